import { describe, expect, test } from 'bun:test'
import { fromBinary } from '@bufbuild/protobuf'
import { WebcastGiftMessageSchema } from '../../../src/gen/tiktok/messages_pb'
import { createCounters, createNormalizer, GiftStreakTracker } from '../../../src/platforms/tiktok/normalize'
import { ControlAction } from '../../../src/gen/tiktok/messages_pb'
import { controlMessage, giftMessage } from '../../sim/tiktok/messages'
import { captureLogger } from './helpers'

function setup() {
  const { log } = captureLogger('silent')
  let clock = 1_000
  const counters = createCounters()
  const streaks = new GiftStreakTracker({ timeoutMs: 10_000, now: () => clock })
  const n = createNormalizer({ ctx: { room: 'host', coinUsd: 0.01, now: () => clock }, streaks, counters, log })
  return { n, streaks, counters, tick: (ms: number) => (clock += ms) }
}

const ROOM = '7270193599273683745'

describe('gift streaks', () => {
  test('repeatCount rising on one groupId, then repeatEnd: one gift with the total', () => {
    const { n } = setup()
    const out = [1, 2, 3, 4, 5].flatMap((rc) => n.handle(giftMessage({ roomId: ROOM, coins: 5, name: 'Finger Heart', giftId: 5487, repeatCount: rc, groupId: '1701792311393' })).events)
    expect(out).toEqual([])
    const end = n.handle(giftMessage({ roomId: ROOM, coins: 5, name: 'Finger Heart', giftId: 5487, repeatCount: 5, repeatEnd: true, groupId: '1701792311393' })).events
    expect(end).toHaveLength(1)
    expect(end[0]).toMatchObject({ type: 'gift', giftAmount: 5, price: 25, priceOriginal: 0.25, priceNormalized: 1.775, currency: 'CNY', giftName: 'Finger Heart' })
  })

  test('frames out of order keep the highest count; a replayed end frame is not counted again', () => {
    const { n } = setup()
    n.handle(giftMessage({ roomId: ROOM, repeatCount: 4, groupId: '77' }))
    n.handle(giftMessage({ roomId: ROOM, repeatCount: 2, groupId: '77' }))
    const end = n.handle(giftMessage({ roomId: ROOM, repeatCount: 3, repeatEnd: true, groupId: '77' })).events
    expect(end[0]).toMatchObject({ giftAmount: 4, price: 4 })
    expect(n.handle(giftMessage({ roomId: ROOM, repeatCount: 4, repeatEnd: true, groupId: '77' })).events).toEqual([])
  })

  test('two users streaking the same gift are two streaks', () => {
    const { n } = setup()
    const other = { id: '7000000000000000009', nickname: 'Other', handle: 'other' }
    n.handle(giftMessage({ roomId: ROOM, repeatCount: 1, groupId: '5' }))
    n.handle(giftMessage({ roomId: ROOM, repeatCount: 1, groupId: '5', from: other }))
    const a = n.handle(giftMessage({ roomId: ROOM, repeatCount: 2, repeatEnd: true, groupId: '5' })).events
    const b = n.handle(giftMessage({ roomId: ROOM, repeatCount: 7, repeatEnd: true, groupId: '5', from: other })).events
    expect(a[0]).toMatchObject({ giftAmount: 2, userUniqueId: 'viewer_one' })
    expect(b[0]).toMatchObject({ giftAmount: 7, userUniqueId: 'other' })
    expect(a[0]?.id).not.toBe(b[0]?.id)
  })

  test('a non-streakable gift counts at once, by its msgId', () => {
    const { n } = setup()
    const msg = giftMessage({ roomId: ROOM, type: 2, coins: 100, name: 'LIVE Fest Clappers', giftId: 7934 })
    const [e] = n.handle(msg).events
    const g = fromBinary(WebcastGiftMessageSchema, msg.payload)
    expect(e).toMatchObject({ type: 'gift', price: 100, priceOriginal: 1, priceNormalized: 7.1, giftAmount: 1, id: `tt:${g.common?.msgId}` })
  })

  test('the live ending flushes running streaks before live-end', () => {
    const { n, counters } = setup()
    n.handle(giftMessage({ roomId: ROOM, repeatCount: 9, groupId: '42' }))
    const out = n.handle(controlMessage(ROOM, ControlAction.STREAM_ENDED))
    expect(out.streamEnded).toBe(true)
    expect(out.events.map((e) => e.type)).toEqual(['gift', 'live-end'])
    expect(out.events[0]).toMatchObject({ giftAmount: 9 })
    expect(counters.expiredStreaks).toBe(1)
  })

  test('pause / unpause control messages are not a live end', () => {
    const { n } = setup()
    expect(n.handle(controlMessage(ROOM, ControlAction.STREAM_PAUSED))).toEqual({ events: [] })
    expect(n.handle(controlMessage(ROOM, ControlAction.STREAM_UNPAUSED))).toEqual({ events: [] })
  })
})
