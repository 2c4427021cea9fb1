import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { HANDLERS } from '../../../src/platforms/bilibili/normalize'
import { makeNormalizer } from './normalize-helpers'

describe('normaliser fuzzing', () => {
  test('arbitrary JSON under every known cmd: events are well-formed or the message is a counted skip', () => {
    const cmds = Object.keys(HANDLERS)
    fc.assert(
      fc.property(fc.constantFrom(...cmds), fc.jsonValue(), fc.jsonValue(), (cmd, data, info) => {
        const { normalizer, counters } = makeNormalizer()
        const out = normalizer.fromCommand({ cmd, data, info, msg: data, uids: info })
        for (const e of out) {
          expect(typeof e.id).toBe('string')
          expect(e.id.length).toBeGreaterThan(0)
          expect(e.platform).toBe('bilibili')
          expect(Number.isFinite(e.timestampNormalized)).toBe(true)
        }
        expect(counters.messages).toBe(1)
        expect(out.length > 0 || counters.ignored + counters.handlerErrors.size + counters.duplicates > 0).toBe(true)
      }),
      { numRuns: 1500 },
    )
  })
})
