import { describe, expect, test } from 'bun:test'
import type { LefEvent } from '../../../src/events'
import { createCounters, createNormalizer, GiftStreakTracker } from '../../../src/platforms/tiktok/normalize'
import { Method } from '../../../src/platforms/tiktok/protocol'
import { baseMessage } from '../../sim/tiktok/messages'
import { captureLogger, collectorFixture } from './helpers'

const MAPPED = new Set<string>(Object.values(Method))

/** Run every sample of one collector file through a fresh normaliser, in file order. */
function runFile(name: 'jw' | 'web' | 'link') {
  const { log } = captureLogger('silent')
  const counters = createCounters()
  let clock = 0
  const streaks = new GiftStreakTracker({ timeoutMs: 30_000, now: () => clock })
  const n = createNormalizer({ ctx: { room: 'host', coinUsd: 0.0133, now: () => clock }, streaks, counters, log })
  const events: LefEvent[] = []
  let mappedSamples = 0
  for (const [method, samples] of Object.entries(collectorFixture(name))) {
    for (const s of samples) {
      if (MAPPED.has(method)) mappedSamples++
      events.push(...n.handle(baseMessage(method, Buffer.from(s.eventData, 'base64'))).events)
    }
  }
  const byType: Record<string, number> = {}
  for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1
  return { events, byType, counters, mappedSamples, streaks, advance: (ms: number) => (clock += ms), n }
}

describe('events-collector captures normalise', () => {
  test('jw.json: 42 mapped samples, no decode error', () => {
    const r = runFile('jw')
    expect(r.mappedSamples).toBe(42)
    expect(r.counters.decodeErrors).toBe(0)
    // Control actions 1 and 2 (pause / unpause) are not a live end.
    expect(r.byType).toEqual({ message: 7, 'online-update': 21, interaction: 12 })
    expect(r.counters.unknownMethods.get('WebcastLiveIntroMessage')).toBe(4)
  })

  test('web.json: 126 mapped samples, 7 finished gift streaks', () => {
    const r = runFile('web')
    expect(r.mappedSamples).toBe(126)
    expect(r.counters.decodeErrors).toBe(0)
    expect(r.byType).toEqual({ message: 21, gift: 7, 'like-click': 21, 'likes-update': 21, interaction: 42, 'online-update': 21 })
    const like = r.events.find((e) => e.type === 'likes-update') as unknown as Record<string, unknown>
    expect(like.likes).toBe(123925)
    const online = r.events.find((e) => e.type === 'online-update') as unknown as Record<string, unknown>
    expect(online).toMatchObject({ online: 1642, totalViewers: 37079 })
    const follows = r.events.filter((e) => e.type === 'interaction' && (e as { action: number }).action === 2)
    expect(follows).toHaveLength(20)
  })

  test('link.json: 126 mapped samples; a Rose streak 1→3→7→10→11 is one gift of 11', () => {
    const r = runFile('link')
    expect(r.mappedSamples).toBe(126)
    expect(r.counters.decodeErrors).toBe(0)
    expect(r.byType).toEqual({ message: 21, interaction: 42, 'online-update': 21, 'like-click': 21, 'likes-update': 21, gift: 4 })
    const gifts = r.events.filter((e) => e.type === 'gift') as unknown as Array<Record<string, unknown>>
    const streak = gifts.find((g) => g.uidStr === '6776970940175827973' && g.giftName === 'Rose')
    expect(streak).toMatchObject({ giftAmount: 11, price: 11, priceOriginal: 0.1463, currencyOriginal: 'USD', priceNormalized: 1.0387, currency: 'CNY', id: 'tt:gift:6776970940175827973:5655:1701792311393' })
    // "Heart Me" (type 4) is not streakable: counted once as it came.
    const heart = gifts.find((g) => g.giftName === 'Heart Me')
    expect(heart).toMatchObject({ giftAmount: 1, price: 1, giftType: 4, groupId: '0' })
    expect(gifts.filter((g) => g.uidStr === '6776970940175827973' && g.giftName === 'Rose')).toHaveLength(1)
  })

  test('link.json: streaks left running are counted once when they time out', () => {
    const r = runFile('link')
    const pending = r.streaks.size
    expect(pending).toBeGreaterThan(0)
    r.advance(30_001)
    const late = r.n.handle(baseMessage('WebcastUnknownPing', new Uint8Array())).events as Array<Record<string, unknown>>
    expect(late).toHaveLength(pending)
    expect(r.counters.expiredStreaks).toBe(pending)
    // Team Bracelet, 2 coins, streak reached 6 before the capture ended.
    expect(late.find((g) => g.giftName === 'Team Bracelet')).toMatchObject({ giftAmount: 6, price: 12 })
    expect(r.streaks.size).toBe(0)
  })
})
