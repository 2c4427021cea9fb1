import { describe, expect, spyOn, test } from 'bun:test'
import { readdirSync } from 'node:fs'
import pino, { type Logger } from 'pino'
import { hasOneCmdKey, leadingCmd } from '../../../src/platforms/bilibili/cmd-scan'
import { createCounters } from '../../../src/platforms/bilibili/counters'
import { HANDLERS, IGNORED_CMDS, Normalizer } from '../../../src/platforms/bilibili/normalize'
import { fixturePath, readFixture } from '../../fixtures'
import { makeNormalizer } from './normalize-helpers'

const bytes = (s: string) => new TextEncoder().encode(s)

/** Every real body in the captures, as the server sends it (compact) and as stored (pretty). */
function realBodies(): Uint8Array[] {
  const root = fixturePath('bilibili', 'blive-message-listener')
  const out: Uint8Array[] = []
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === 'INTERACT_WORD_V2') continue
    for (const f of readdirSync(`${root}/${dir.name}`)) {
      const raw = readFixture('bilibili', 'blive-message-listener', dir.name, f)
      out.push(raw, bytes(JSON.stringify(JSON.parse(raw.toString('utf8')))))
    }
  }
  return out
}

describe('leadingCmd: the cmd from the raw bytes', () => {
  test('plain and suffixed cmds, as the normaliser reads them', () => {
    expect(leadingCmd(bytes('{"cmd":"COMBO_SEND","data":{}}'))).toBe('COMBO_SEND')
    expect(leadingCmd(bytes('{"cmd":"DANMU_MSG:4:0:2:2:2:0","info":[]}'))).toBe('DANMU_MSG')
    expect(leadingCmd(bytes('{"cmd":"room_admin_entrance"}'))).toBe('room_admin_entrance')
    expect(leadingCmd(bytes('{"cmd":"GUARD_BUY:"}'))).toBe('GUARD_BUY')
  })

  test('undefined whenever the bytes do not say it plainly: the caller parses', () => {
    for (const s of [
      '{"data":{},"cmd":"COMBO_SEND"}', // cmd not first
      ' {"cmd":"COMBO_SEND"}', // leading space
      '{ "cmd":"COMBO_SEND"}',
      '{"cmd" : "COMBO_SEND"}',
      '{"cmd":5}', // not a string
      '{"cmd":""}', // empty: the normaliser then looks at msg.cmd
      '{"cmd":":x"}',
      '{"cmd":"COMBO\\u005fSEND"}', // escape
      '{"cmd":"ÄÖ"}', // non-ASCII
      '{"cmd":"COMBO_SEND', // never closed
      `{"cmd":"${'A'.repeat(100)}"}`, // longer than any cmd
      '{"cmd":"',
      '',
    ]) {
      expect(leadingCmd(bytes(s))).toBeUndefined()
    }
  })

  test('hasOneCmdKey: a second or nested "cmd" means the prefix is not the whole story', () => {
    expect(hasOneCmdKey(bytes('{"cmd":"COMBO_SEND","data":{"x":"\\"cmd\\""}}'))).toBe(true)
    expect(hasOneCmdKey(bytes('{"cmd":"COMBO_SEND","data":{},"cmd":"DANMU_MSG"}'))).toBe(false)
    expect(hasOneCmdKey(bytes('{"cmd":"NOTICE_MSG","msg":{"cmd":"X"}}'))).toBe(false)
  })

  test('agrees with JSON.parse on every real body', () => {
    for (const b of realBodies()) {
      const cmd = leadingCmd(b)
      if (cmd === undefined) continue
      const full = String(JSON.parse(new TextDecoder().decode(b)).cmd)
      expect(cmd).toBe(full.split(':')[0]!)
    }
  })
})

describe('normaliser: bodies that become no event are counted without being parsed', () => {
  /** A normaliser whose log lines are kept, to compare the unknown-cmd log too. */
  function capturing() {
    const counters = createCounters()
    const logs: unknown[] = []
    const keep = (level: string) => (...args: unknown[]) => logs.push([level, ...args])
    const log = { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') } as unknown as Logger
    const normalizer = new Normalizer({ roomId: 1, anchorUid: 0, counters, log, now: () => 1_764_000_000_000, setLive: () => {} })
    return { normalizer, counters, logs }
  }

  /** The same bodies through fromBody (pre-scan) and through JSON.parse + fromCommand. */
  function both(bodies: Uint8Array[]) {
    const fast = capturing()
    const slow = capturing()
    const fastOut = bodies.flatMap((b) => fast.normalizer.fromBody(b))
    const slowOut = bodies.flatMap((b) => slow.normalizer.fromCommand(JSON.parse(new TextDecoder().decode(b))))
    return { fast, slow, fastOut, slowOut }
  }

  test('every real body: the same events, field for field, and the same counters', () => {
    const { fast, slow, fastOut, slowOut } = both(realBodies())
    expect(fastOut.length).toBeGreaterThan(20)
    expect(JSON.stringify(fastOut)).toBe(JSON.stringify(slowOut))
    expect(fast.counters).toEqual(slow.counters)
    expect(fast.logs).toEqual(slow.logs)
    expect(fast.counters.ignored).toBeGreaterThan(0)
  })

  test('ignored, unknown and suffixed unknown cmds: counters and the once-per-cmd log as before', () => {
    const bodies = [
      '{"cmd":"COMBO_SEND","data":{"x":1}}',
      '{"cmd":"GUARD_BUY:x","data":{}}',
      '{"cmd":"STOP_LIVE_ROOM_LIST","data":{"room_id_list":[1,2,3]}}',
      '{"cmd":"SOMETHING_NEW","data":{}}',
      '{"cmd":"SOMETHING_NEW:1:2","data":{}}',
      '{"cmd":"toString"}',
      '{"cmd":"__proto__"}',
      '{"data":{},"cmd":"COMBO_SEND"}', // cmd not first: parsed, same counts
      '{"cmd":"COMBO_SEND","cmd":"DANMU_MSG"}', // last key wins in JSON.parse: parsed
      '{"cmd":"","msg":{"cmd":"OLD_STYLE"}}',
    ].map(bytes)
    const { fast, slow } = both(bodies)
    expect(fast.counters).toEqual(slow.counters)
    expect(fast.logs).toEqual(slow.logs)
    expect(fast.counters.messages).toBe(bodies.length)
    expect(fast.counters.ignored).toBe(4)
    expect([...fast.counters.unknownCmds]).toEqual([['SOMETHING_NEW', 2], ['toString', 1], ['__proto__', 1], ['OLD_STYLE', 1]])
    expect(fast.counters.handlerErrors.get('DANMU_MSG')).toBe(1)
  })

  test('only handled cmds reach JSON.parse', () => {
    const { normalizer } = makeNormalizer()
    const parse = spyOn(JSON, 'parse')
    try {
      for (const cmd of Object.keys(IGNORED_CMDS)) normalizer.fromBody(bytes(`{"cmd":"${cmd}","data":{}}`))
      normalizer.fromBody(bytes('{"cmd":"NEVER_SEEN_BEFORE","data":{}}'))
      expect(parse).not.toHaveBeenCalled()
      normalizer.fromBody(bytes('{"cmd":"WATCHED_CHANGE","data":{"num":5}}'))
      expect(parse).toHaveBeenCalledTimes(1)
    } finally {
      parse.mockRestore()
    }
    expect(Object.hasOwn(HANDLERS, 'WATCHED_CHANGE')).toBe(true)
  })

  test('LOG_IN_NOTICE still reaches the connector', () => {
    let notices = 0
    const counters = createCounters()
    const normalizer = new Normalizer({ roomId: 1, anchorUid: 0, counters, log: pino({ level: 'silent' }), now: Date.now, setLive: () => {}, onLoginNotice: () => notices++ })
    normalizer.fromBody(bytes('{"cmd":"LOG_IN_NOTICE","data":{"notice_msg":"…"}}'))
    expect(notices).toBe(1)
    expect(counters.ignored).toBe(1)
  })

  test('by design, a body that is not JSON after an ignored cmd counts as ignored, not as a bad frame', () => {
    const { normalizer, counters } = makeNormalizer()
    expect(normalizer.fromBody(bytes('{"cmd":"COMBO_SEND","data":'))).toEqual([])
    expect(counters).toMatchObject({ messages: 1, ignored: 1, badFrames: 0 })
    // A handled cmd is parsed, so its broken body is still a bad frame.
    expect(normalizer.fromBody(bytes('{"cmd":"DANMU_MSG","info":'))).toEqual([])
    expect(counters).toMatchObject({ messages: 1, badFrames: 1 })
  })
})
