import { describe, expect, test } from 'bun:test'
import { LocalEventBus } from '../../src/bus/event-bus'
import { eventJson, type LefEvent } from '../../src/events'
import { encodeSseEvent } from '../../src/http/sse/sse-format'
import { copyLine } from '../../src/store/copy-text'
import { toEventRow } from '../../src/store/event-row'

const plain = {
  type: 'message', id: 'dm-1', origin: 22608112, originIdx: 0, read: false, uid: 1, username: '提瓦特的风',
  message: 'a "quoted" \\ line\twith tab', timestamp: 1_700_000_000_000, platform: 'bilibili', room: '22608112',
}

/** An event whose serialisations are counted: JSON.stringify calls toJSON once per serialisation. */
function countedEvent(): { event: LefEvent; calls: () => number } {
  let calls = 0
  const event = { ...plain }
  Object.defineProperty(event, 'toJSON', { value: () => (calls++, plain) })
  return { event: event as unknown as LefEvent, calls: () => calls }
}

describe('eventJson', () => {
  test('is exactly JSON.stringify of the event', () => {
    expect(eventJson(plain as unknown as LefEvent)).toBe(JSON.stringify(plain))
  })

  test('one publish serialises the event once for the store, SSE and the bridge together', () => {
    const bus = new LocalEventBus()
    const out: { line?: string; sse?: string; bridge?: string } = {}
    bus.subscribe((e) => void (out.line = copyLine(toEventRow(e, 1_700_000_000_500))))
    bus.subscribe((e) => void (out.sse = new TextDecoder().decode(encodeSseEvent(e))))
    bus.subscribe((e) => void (out.bridge = eventJson(e)))
    const { event, calls } = countedEvent()
    bus.publish(event)
    expect(calls()).toBe(1)
    const json = JSON.stringify(plain)
    expect(out.bridge).toBe(json)
    expect(out.sse).toBe(`event: message\nid: dm-1\ndata: ${json}\n\n`)
    // COPY text doubles the backslashes JSON.stringify wrote; the JSON itself is the same text.
    expect(out.line?.endsWith(`\t${json.replaceAll('\\', '\\\\')}\n`)).toBe(true)
  })

  test('remembers only the last event: another one in between means serialising again', () => {
    const a = countedEvent()
    const b = countedEvent()
    eventJson(a.event)
    eventJson(b.event)
    eventJson(a.event)
    expect(a.calls()).toBe(2)
    expect(b.calls()).toBe(1)
  })
})
