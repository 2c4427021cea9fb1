import { describe, expect, test } from 'bun:test'
import { roomOrigin } from '../../../src/events'
import { fromBinary, toBinary } from '@bufbuild/protobuf'
import fc from 'fast-check'
import { WebcastChatMessageSchema, WebcastGiftMessageSchema, WebcastMemberMessageSchema, WebcastSocialMessageSchema } from '../../../src/gen/tiktok/messages_pb'
import { createCounters, createNormalizer, GiftStreakTracker } from '../../../src/platforms/tiktok/normalize'
import { baseMessage } from '../../sim/tiktok/messages'
import { captureLogger, payloadFixture } from './helpers'

function normalizer(coinUsd = 0.0133) {
  const { log, lines } = captureLogger()
  const counters = createCounters()
  const streaks = new GiftStreakTracker({ timeoutMs: 30_000, now: () => 1_700_000_000_000 })
  const n = createNormalizer({ ctx: { room: 'host', coinUsd, now: () => 1_700_000_000_000 }, streaks, counters, log })
  return { n, counters, streaks, lines }
}

describe('real payload fixtures decode', () => {
  test('the Rose gift: id 5655, 1 coin, type 1, streak still running', () => {
    const g = fromBinary(WebcastGiftMessageSchema, payloadFixture('MessageWebcastGiftMessage.bin'))
    expect(g.giftId).toBe('5655')
    expect(g.gift?.name).toBe('Rose')
    expect(g.gift?.type).toBe(1)
    expect(g.gift?.diamondCount).toBe(1)
    expect(g.repeatCount).toBe(1)
    expect(g.repeatEnd).toBe(0)
    expect(g.groupId).toBe('1692725773860')
    expect(g.user?.id).toBe('6809568862012081157')
    expect(g.user?.displayId).toBe('malowana_')
    expect(g.common?.msgId).toBe('7270201542891817761')
    expect(g.common?.describe).toContain('gifted the host 1 Rose')
  })

  test('the Rose gift is not counted yet (repeatEnd 0), then counted once at its end', () => {
    const { n, streaks } = normalizer()
    const bytes = payloadFixture('MessageWebcastGiftMessage.bin')
    expect(n.handle(baseMessage('WebcastGiftMessage', bytes)).events).toEqual([])
    expect(streaks.size).toBe(1)
    // The same streak's end frame: repeatEnd 1.
    const g = fromBinary(WebcastGiftMessageSchema, bytes)
    g.repeatEnd = 1
    g.repeatCount = 3
    const out = n.handle(baseMessage('WebcastGiftMessage', toBinary(WebcastGiftMessageSchema, g))).events
    expect(out).toHaveLength(1)
    const e = out[0] as Record<string, unknown>
    expect(e.type).toBe('gift')
    expect(e.giftId).toBe(5655)
    expect(e.giftName).toBe('Rose')
    expect(e.giftAmount).toBe(3)
    expect(e.price).toBe(3)
    // 3 coins × 0.0133 USD, then priceNormalized in CNY at the default 7.1 CNY per USD.
    expect(e.priceOriginal).toBe(0.0399)
    expect(e.currencyOriginal).toBe('USD')
    expect(e.priceNormalized).toBe(0.2833)
    expect(e.currency).toBe('CNY')
    expect(e.coinType).toBe('gold')
    expect(e.id).toBe('tt:gift:6809568862012081157:5655:1692725773860')
    expect(e.uid).toBe(0) // 6809568862012081157 is past 2^53: the exact id is in uidStr
    expect(e.uidStr).toBe('6809568862012081157')
    expect(e.userUniqueId).toBe('malowana_')
    expect(e.platform).toBe('tiktok')
    expect(e.room).toBe('host')
    expect(e.origin).toBe(roomOrigin('tiktok', 'host'))
    expect(e.origin).toBeGreaterThan(0)
    expect(e.timestamp).toBe(1692725773880)
  })

  test('member message: a join with 774 viewers', () => {
    const m = fromBinary(WebcastMemberMessageSchema, payloadFixture('WebcastMemberMessage.bin'))
    expect(m.memberCount).toBe(774)
    expect(m.action).toBe(1)
    expect(m.common?.displayText?.key).toBe('live_room_enter_toast')
    expect(m.user?.displayId).toBe('emilkaforczek')
    const { n } = normalizer()
    const [e] = n.handle(baseMessage('WebcastMemberMessage', payloadFixture('WebcastMemberMessage.bin'))).events
    expect(e).toMatchObject({ type: 'interaction', action: 1, username: 'Emilka Forczek', id: 'tt:7273941110900738848', timestamp: 1693596391780 })
  })

  test('the misnamed LikeMessage.bin is a member message (memberCount 165)', () => {
    const m = fromBinary(WebcastMemberMessageSchema, payloadFixture('LikeMessage.bin'))
    expect(m.common?.method).toBe('WebcastMemberMessage')
    expect(m.memberCount).toBe(165)
    expect(m.user?.displayId).toBe('ttx.zyn')
  })

  test('emote-only chat: empty content, 19 emotes rendered inline', () => {
    const c = fromBinary(WebcastChatMessageSchema, payloadFixture('MessageWebcastChatMessage.bin'))
    expect(c.content).toBe('')
    expect(c.emotes).toHaveLength(19)
    expect(c.user?.nickname).toBe('almando29')
    const { n } = normalizer()
    const [e] = n.handle(baseMessage('WebcastChatMessage', payloadFixture('MessageWebcastChatMessage.bin'))).events as Array<Record<string, unknown>>
    expect(e?.type).toBe('message')
    expect(e?.message).toBe('[tt:7202546868612680453]'.repeat(19))
    expect(Object.keys(e?.bmotes as object)).toEqual(['[tt:7202546868612680453]'])
    expect(e?.id).toBe('tt:7270204318916594464')
  })

  test('social message: a share → interaction action 3', () => {
    const s = fromBinary(WebcastSocialMessageSchema, payloadFixture('MessageWebcastSocialMessage.bin'))
    expect(s.common?.displayText?.key).toBe('pm_mt_guidance_viewer_10_share')
    expect(s.shareCount).toBe(25n)
    const { n } = normalizer()
    const [e] = n.handle(baseMessage('WebcastSocialMessage', payloadFixture('MessageWebcastSocialMessage.bin'))).events
    expect(e).toMatchObject({ type: 'interaction', action: 3, username: 'mr A.L.F.A', userUniqueId: '.zapisywane' })
  })

  test('an unmapped method is counted and debug-logged, not emitted', () => {
    const { n, counters, lines } = normalizer()
    const out = n.handle(baseMessage('WebcastImDeleteMessage', payloadFixture('MessageWebcastImDeleteMessage.bin')))
    expect(out.events).toEqual([])
    expect(counters.unknownTotal).toBe(1)
    expect(counters.unknownMethods.get('WebcastImDeleteMessage')).toBe(1)
    expect(lines().some((l) => l.method === 'WebcastImDeleteMessage' && l.level === 20)).toBe(true)
  })

  test('a garbage payload of a known method is a counted skip', () => {
    const { n, counters } = normalizer()
    expect(n.handle(baseMessage('WebcastGiftMessage', new Uint8Array([0x0a, 0xff, 0xff]))).events).toEqual([])
    expect(counters.decodeErrors).toBe(1)
  })
})

describe('normaliser fuzz', () => {
  const sources: Array<[string, string]> = [
    ['WebcastGiftMessage', 'MessageWebcastGiftMessage.bin'],
    ['WebcastChatMessage', 'MessageWebcastChatMessage.bin'],
    ['WebcastSocialMessage', 'MessageWebcastSocialMessage.bin'],
    ['WebcastMemberMessage', 'WebcastMemberMessage.bin'],
  ]
  test('mutated or truncated real payloads never throw: an event or a counted skip', () => {
    for (const [method, file] of sources) {
      const bytes = payloadFixture(file)
      const { n, counters } = normalizer()
      fc.assert(
        fc.property(fc.nat(bytes.length), fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), (cut, edits) => {
          const copy = new Uint8Array(bytes.subarray(0, cut))
          for (const [at, v] of edits) if (at < copy.length) copy[at] = v
          const before = counters.decodeErrors
          const out = n.handle(baseMessage(method, copy))
          // Every event that does come out is well formed.
          for (const e of out.events) if (typeof e.id !== 'string' || !e.id.startsWith('tt:') || e.platform !== 'tiktok') return false
          return counters.decodeErrors >= before
        }),
        { numRuns: 200 },
      )
      // Real data truncated this much cannot decode: some skips were counted.
      expect(counters.decodeErrors).toBeGreaterThan(0)
    }
  })
})
