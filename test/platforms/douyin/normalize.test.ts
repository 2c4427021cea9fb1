import { describe, expect, test } from 'bun:test'
import { create, toBinary } from '@bufbuild/protobuf'
import { MessageSchema } from '../../../src/gen/douyin/push_pb'
import { isPaid } from '../../../src/events'
import { createMessageStats, dispatchMessage } from '../../../src/platforms/douyin/normalize/dispatch'
import { GiftMessageSchema } from '../../../src/gen/douyin/messages_pb'
import fc from 'fast-check'
import { readFixture } from '../../fixtures'
import { testContext } from './helpers'

const sample = (name: string) => new Uint8Array(readFixture('douyin', 'opedium-douyin-live-proto', 'sampled_payload', `${name}.bin`))

function run(method: string, name: string, msgId = 0n) {
  const t = testContext()
  const stats = createMessageStats()
  const outcome = dispatchMessage(create(MessageSchema, { method, payload: sample(name), msgId }), t.ctx, stats)
  return { ...t, stats, outcome }
}

describe('douyin normaliser on real captured payloads', () => {
  test('ChatMessage → message with the real content', () => {
    const { events, stats } = run('WebcastChatMessage', 'ChatMessage')
    expect(events).toHaveLength(1)
    const e = events[0]!
    expect(e.type).toBe('message')
    if (e.type !== 'message') throw new Error()
    expect(e.message).toBe('最后应该给他冻住')
    expect(e.username).toBe('<REDACTED>')
    expect(e.avatar).toStartWith('https://p11.douyinpic.com/aweme/100x100/aweme-avatar/douyin-user-image-file_dc3c9aa6')
    expect(e.platform).toBe('douyin')
    expect(e.room).toBe('646454278948')
    expect(e.origin).toBe(646454278948)
    // The capture's msg_id was scrubbed to 0: the id falls back to a deterministic hash.
    expect(e.id).toMatch(/^dy:message:[0-9a-f]{20}$/)
    expect(stats.byMethod.WebcastChatMessage).toBe(1)
  })

  test('ids are deterministic and use msgId when upstream has one', () => {
    const a = run('WebcastChatMessage', 'ChatMessage')
    const b = run('WebcastChatMessage', 'ChatMessage')
    expect(a.events[0]!.id).toBe(b.events[0]!.id)
    const withId = run('WebcastChatMessage', 'ChatMessage', 7_412_345_678_901_234_567n)
    expect(withId.events[0]!.id).toBe('dy:message:7412345678901234567')
    const e = withId.events[0]!
    if (e.type !== 'message') throw new Error()
    expect(e.idStr).toBe('7412345678901234567')
  })

  test('EmojiChatMessage → message with its fallback text', () => {
    const { events } = run('WebcastEmojiChatMessage', 'EmojiChatMessage')
    expect(events).toHaveLength(1)
    const e = events[0]!
    if (e.type !== 'message') throw new Error(`got ${e.type}`)
    expect(e.message).toBe('[表情]')
  })

  test('GiftMessage 685 粉丝团灯牌 (cannot combo) → one gift at once, fans club level 11', () => {
    const { events, ctx } = run('WebcastGiftMessage', 'GiftMessage')
    expect(events).toHaveLength(1)
    const e = events[0]!
    if (e.type !== 'gift') throw new Error(`got ${e.type}`)
    expect(e.giftId).toBe(685)
    expect(e.giftName).toBe('粉丝团灯牌')
    expect(e.giftAmount).toBe(1)
    expect(e.coinType).toBe('gold')
    // diamond_count (GiftStruct 12) is absent in this capture: price 0, still a "paid" gift type.
    expect(e.price).toBe(0)
    expect(e.priceNormalized).toBe(0)
    expect(e.medal.level).toBe(11)
    expect(e.giftIcon).toStartWith('https://p3-webcast.douyinpic.com/img/webcast/722e56b42551d6490e5ebd9521287c67.png')
    // group_id is scrubbed, so the combo key falls back to the 32-hex trace_id.
    expect(e.id).toBe('dy:gift:t81ac3f207f0d4152964d4fdef9aa0588:<REDACTED>:685:1-1')
    expect(e.uid).toBe(0) // the scrubbed id_str is not a number
    expect(isPaid(e)).toBe(true)
    expect(ctx.combos.openCount).toBe(0)
  })

  test('the same gift message twice (Douyin pushes copies) counts once', () => {
    const t = testContext()
    const stats = createMessageStats()
    for (let i = 0; i < 3; i++) dispatchMessage(create(MessageSchema, { method: 'WebcastGiftMessage', payload: sample('GiftMessage') }), t.ctx, stats)
    expect(t.events.filter((e) => e.type === 'gift')).toHaveLength(1)
  })

  test('a priced gift: diamonds × amount, 0.1 CNY per diamond', () => {
    const t = testContext()
    const payload = toBinary(GiftMessageSchema, create(GiftMessageSchema, {
      giftId: 463n, groupCount: 10n, repeatCount: 1n, repeatEnd: 1, groupId: 1_700_000_000_000_000_001n,
      user: { idStr: '111', nickname: 'A' }, gift: { id: 463n, name: '跑车', diamondCount: 1200, combo: true },
    }))
    dispatchMessage(create(MessageSchema, { method: 'WebcastGiftMessage', payload }), t.ctx, createMessageStats())
    const e = t.events[0]!
    if (e.type !== 'gift') throw new Error()
    expect(e.giftAmount).toBe(10)
    expect(e.price).toBe(12_000)
    expect(e.priceNormalized).toBe(1200)
    expect(e.id).toBe('dy:gift:1700000000000000001:111:463:1-1')
  })

  test('LikeMessage → like-click with the batch count', () => {
    const { events } = run('WebcastLikeMessage', 'LikeMessage')
    const e = events[0]!
    if (e.type !== 'like-click') throw new Error(`got ${e.type}`)
    expect(e.message).toBe('为主播点赞了 x11')
  })

  test('MemberMessage → interaction enter', () => {
    const { events } = run('WebcastMemberMessage', 'MemberMessage')
    const e = events[0]!
    if (e.type !== 'interaction') throw new Error(`got ${e.type}`)
    expect(e.action).toBe(1)
    expect(e.id).toMatch(/^dy:enter:/)
  })

  test('SocialMessage action 3 → interaction share', () => {
    const { events } = run('WebcastSocialMessage', 'SocialMessage')
    const e = events[0]!
    if (e.type !== 'interaction') throw new Error(`got ${e.type}`)
    expect(e.action).toBe(3)
  })

  test('RoomUserSeqMessage → online-update 216', () => {
    const { events } = run('WebcastRoomUserSeqMessage', 'RoomUserSeqMessage')
    const e = events[0]!
    if (e.type !== 'online-update') throw new Error(`got ${e.type}`)
    expect(e.online).toBe(216)
    expect(e.message).toBe('216在线观众')
  })

  test('RoomStatsMessage → online-update "160在线观众"', () => {
    const { events } = run('WebcastRoomStatsMessage', 'RoomStatsMessage')
    const e = events[0]!
    if (e.type !== 'online-update') throw new Error(`got ${e.type}`)
    expect(e.message).toBe('160在线观众')
    expect(e.online).toBe(160)
    expect(e.count).toBe(160)
  })

  test('FansclubMessage → system line', () => {
    const { events } = run('WebcastFansclubMessage', 'FansclubMessage')
    const e = events[0]!
    if (e.type !== 'system') throw new Error(`got ${e.type}`)
    expect(e.username).toBe('<REDACTED>')
    expect(e.message).toBe('<REDACTED> 加入了粉丝团')
  })

  test('unmapped methods are counted, not emitted', () => {
    const t = testContext()
    const stats = createMessageStats()
    for (const name of ['RoomMessage', 'RoomRankMessage', 'RoomMessage']) {
      dispatchMessage(create(MessageSchema, { method: `Webcast${name}`, payload: sample(name) }), t.ctx, stats)
    }
    expect(t.events).toHaveLength(0)
    expect(stats.unknownMethods).toEqual({ WebcastRoomMessage: 2, WebcastRoomRankMessage: 1 })
  })

  test('a malformed payload is skipped and counted, not thrown', () => {
    const t = testContext()
    const stats = createMessageStats()
    const truncated = sample('GiftMessage').subarray(0, 40)
    expect(dispatchMessage(create(MessageSchema, { method: 'WebcastGiftMessage', payload: truncated }), t.ctx, stats)).toBe('none')
    expect(stats.decodeErrors).toEqual({ WebcastGiftMessage: 1 })
    expect(t.events).toHaveLength(0)
  })
})

describe('douyin normaliser fuzz', () => {
  const MAPPED: Array<[string, string]> = [
    ['WebcastChatMessage', 'ChatMessage'], ['WebcastEmojiChatMessage', 'EmojiChatMessage'], ['WebcastGiftMessage', 'GiftMessage'],
    ['WebcastLikeMessage', 'LikeMessage'], ['WebcastMemberMessage', 'MemberMessage'], ['WebcastSocialMessage', 'SocialMessage'],
    ['WebcastRoomUserSeqMessage', 'RoomUserSeqMessage'], ['WebcastRoomStatsMessage', 'RoomStatsMessage'], ['WebcastFansclubMessage', 'FansclubMessage'],
  ]

  test('mutated and truncated real payloads never throw: each gives events or a counted decode error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MAPPED),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        ([method, name], cutSeed, edits) => {
          const orig = sample(name)
          const bytes = orig.slice(0, 1 + (cutSeed % orig.length))
          for (const [at, v] of edits) bytes[at % bytes.length] = v
          const t = testContext()
          const stats = createMessageStats()
          dispatchMessage(create(MessageSchema, { method, payload: bytes }), t.ctx, stats)
          t.ctx.combos.flushAll(t.clock.now)
          const errors = stats.decodeErrors[method] ?? 0
          expect(errors).toBeLessThanOrEqual(1)
          // A payload is either refused whole or mapped: never half an event.
          if (errors === 1) expect(t.events).toHaveLength(0)
          for (const e of t.events) {
            expect(e.platform).toBe('douyin')
            expect(e.id).toMatch(/^dy:[a-z-]+:/)
            expect(Number.isSafeInteger(e.uid)).toBe(true)
            expect(Number.isFinite(e.timestampNormalized)).toBe(true)
          }
        },
      ),
      { numRuns: 400 },
    )
  })
})
