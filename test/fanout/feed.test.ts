import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { LocalEventBus } from '../../src/bus/event-bus'
import { FanoutHub } from '../../src/fanout/fanout-hub'
import type { FeedSink } from '../../src/fanout/feed'
import { FilterError, compileFilter, parseStreamFilter } from '../../src/fanout/stream-filter'
import type { LefEvent } from '../../src/events'
import { parseProducedMessage } from '../../src/http/bridge/producer'
import { encodeSseEvent } from '../../src/http/sse/sse-format'
import { silentLog } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'

/** A sink that records what a client would have received; `stalled` pretends the socket is full. */
class RecordingSink implements FeedSink<string> {
  readonly got: string[] = []
  readonly notices: string[] = []
  cut = 0
  stalledBytes = 0
  write(p: string): boolean {
    this.got.push(p)
    return true
  }
  buffered(): number {
    return this.stalledBytes
  }
  cutOff(): void {
    this.cut++
  }
  notice(m: string): void {
    this.notices.push(m)
  }
}

/** A store whose rows are whatever the test put in, with hooks to publish while a replay runs. */
function fakeStore(rows: LefEvent[], onQuery?: () => void) {
  return {
    seqOf: async (id: string) => {
      const i = rows.findIndex((e) => e.id === id)
      return i < 0 ? undefined : BigInt(i + 1)
    },
    after: async (seq: bigint, _filter: unknown, limit: number) => {
      onQuery?.()
      return rows.slice(Number(seq), Number(seq) + limit).map((event, i) => ({ seq: seq + BigInt(i + 1), event }))
    },
  }
}

function hubWith(rows: LefEvent[], opts: { onQuery?: () => void; maxBuffer?: number; now?: () => number; pageSize?: number } = {}) {
  const bus = new LocalEventBus()
  const hub = new FanoutHub<string>({
    bus,
    encode: (e) => e.id,
    sizeOf: (s) => s.length,
    maxBuffer: opts.maxBuffer ?? 1_000_000,
    replay: { store: fakeStore(rows, opts.onQuery), writer: { flush: async () => {} } },
    log: silentLog,
    replayPageSize: opts.pageSize ?? 2,
    now: opts.now,
  })
  return { bus, hub }
}

const ev = (n: number) => messageEvent(n, { id: `e${n}` })

describe('resume seam', () => {
  test('events published during the replay come after it, each once, in order', async () => {
    const rows = [0, 1, 2, 3, 4].map(ev)
    let queries = 0
    // While the replay pages through the store, e5 is published and stored (seen both ways), then e6.
    const { bus, hub } = hubWith(rows, {
      onQuery: () => {
        queries++
        if (queries === 1) {
          rows.push(ev(5))
          bus.publish(ev(5))
        }
        if (queries === 2) bus.publish(ev(6))
      },
    })
    const sink = new RecordingSink()
    const { ready } = hub.open({}, sink, { since: 'e1' })
    await ready
    bus.publish(ev(7))
    expect(sink.got).toEqual(['e2', 'e3', 'e4', 'e5', 'e6', 'e7'])
    expect(hub.stats.replayed).toBe(4)
    expect(hub.stats.resumes).toBe(1)
  })

  test('an event stored before it is published (uploads) and replayed is not sent again live', async () => {
    let t = 1000
    const rows = [0, 1, 2].map(ev)
    const { bus, hub } = hubWith(rows, { now: () => t })
    const sink = new RecordingSink()
    await hub.open({}, sink, { since: 'e0' }).ready
    bus.publish(ev(2)) // the upload's publish, arriving after the replay already sent e2
    bus.publish(ev(3))
    expect(sink.got).toEqual(['e1', 'e2', 'e3'])
    // The seam memory is short-lived: long after, the same id is an ordinary live event.
    t += 60_000
    bus.publish(ev(2))
    expect(sink.got).toEqual(['e1', 'e2', 'e3', 'e2'])
  })

  test('unknown resume id: a notice, then live', async () => {
    const { bus, hub } = hubWith([ev(0)])
    const sink = new RecordingSink()
    await hub.open({}, sink, { since: 'nope' }).ready
    bus.publish(ev(1))
    expect(sink.notices).toHaveLength(1)
    expect(sink.notices[0]).toContain('unknown event id "nope"')
    expect(sink.got).toEqual(['e1'])
    expect(hub.stats.unknownResumeIds).toBe(1)
  })

  test('a failing store: a notice, counted, and the client goes live with what it held', async () => {
    const bus = new LocalEventBus()
    const hub = new FanoutHub<string>({
      bus, encode: (e) => e.id, sizeOf: (s) => s.length, maxBuffer: 1e6, log: silentLog,
      replay: {
        store: { seqOf: async () => 1n, after: async () => { throw new Error('connection refused') } },
        writer: { flush: async () => {} },
      },
    })
    const sink = new RecordingSink()
    const opened = hub.open({}, sink, { since: 'e0' })
    bus.publish(ev(9))
    await opened.ready
    expect(sink.notices[0]).toContain('resume failed')
    expect(sink.got).toEqual(['e9'])
    expect(hub.stats.replayFailures).toBe(1)
  })
})

describe('limits and filters', () => {
  test('a client whose queue passes the limit is cut off and counted; others keep receiving', async () => {
    const { bus, hub } = hubWith([], { maxBuffer: 100 })
    const slow = new RecordingSink()
    const fast = new RecordingSink()
    hub.open({}, slow)
    hub.open({}, fast)
    bus.publish(ev(1))
    slow.stalledBytes = 101
    bus.publish(ev(2))
    bus.publish(ev(3))
    expect(slow.cut).toBe(1)
    expect(slow.got).toEqual(['e1', 'e2'])
    expect(fast.got).toEqual(['e1', 'e2', 'e3'])
    expect(hub.stats).toMatchObject({ cutOffs: 1, clients: 1, opened: 2 })
  })

  test('live events held behind a long replay are bounded too', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    const bus = new LocalEventBus()
    const hub = new FanoutHub<string>({
      bus, encode: (e) => e.id.padEnd(40, '.'), sizeOf: (s) => s.length, maxBuffer: 100, log: silentLog,
      replay: { store: fakeStore([ev(0)]), writer: { flush: () => gate } },
    })
    const sink = new RecordingSink()
    const { ready } = hub.open({}, sink, { since: 'e0' })
    for (let n = 1; n <= 3; n++) bus.publish(ev(n)) // 3 × 40 bytes > 100
    expect(sink.cut).toBe(1)
    release()
    await ready
    expect(sink.got).toEqual([])
    expect(hub.stats.cutOffs).toBe(1)
  })

  test('filters: rooms in any ROOMS form and types; unknown types refused', () => {
    const resolve = (r: string) => (r === '1' ? { platform: 'bilibili' as const, room: '25034104' } : { platform: r.startsWith('douyin:') ? ('douyin' as const) : ('bilibili' as const), room: r.replace(/^\w+:/, '') })
    const filter = parseStreamFilter({ rooms: ' 1 , douyin:646454278948', types: 'gift,superchat,gift' }, resolve)
    expect(filter).toEqual({
      rooms: [{ platform: 'bilibili', room: '25034104' }, { platform: 'douyin', room: '646454278948' }],
      types: ['gift', 'superchat'],
    })
    const match = compileFilter(filter)
    expect(match(giftEvent(1))).toBe(true)
    expect(match(messageEvent(1))).toBe(false)
    expect(match(giftEvent(1, { platform: 'douyin', room: '646454278948' }))).toBe(true)
    expect(match(giftEvent(1, { room: '1' }))).toBe(false)
    expect(parseStreamFilter({}, resolve)).toEqual({})
    expect(() => parseStreamFilter({ types: 'gift,Gift' }, resolve)).toThrow(FilterError)
    expect(() => parseStreamFilter({ rooms: Array(201).fill('1').join(',') }, resolve)).toThrow('too many filter items')
  })
})

describe('wire encodings', () => {
  test('SSE block: event type, id and one data line; unsafe ids are left out', () => {
    const text = new TextDecoder().decode(encodeSseEvent(messageEvent(3, { id: 'm-3', message: 'two\nlines' })))
    expect(text.startsWith('event: message\nid: m-3\ndata: {"type":"message","id":"m-3"')).toBe(true)
    expect(text.endsWith('}\n\n')).toBe(true)
    expect(text.split('\n')).toHaveLength(5)
    const unsafe = new TextDecoder().decode(encodeSseEvent(messageEvent(4, { id: 'bad\nid' })))
    expect(unsafe).not.toContain('\nid:')
  })

  test('producer messages: arbitrary JSON never throws; only valid events pass', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const r = parseProducedMessage(value)
        if (r.ok) for (const e of r.events) expect(typeof e.id === 'string' && typeof e.platform === 'string').toBe(true)
        else expect(r.message.length).toBeGreaterThan(0)
      }),
      { numRuns: 500 },
    )
    const ok = parseProducedMessage([giftEvent(1), { ...messageEvent(2), platform: undefined, room: undefined }])
    expect(ok.ok && ok.events.map((e) => `${e.platform}:${e.room}`)).toEqual(['bilibili:25034104', 'bilibili:25034104'])
    const bad = parseProducedMessage([giftEvent(1), { type: 'gift' }])
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.message).toContain('invalid event 1')
  })
})
