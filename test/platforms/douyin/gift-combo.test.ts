import { describe, expect, test } from 'bun:test'
import { create, toBinary } from '@bufbuild/protobuf'
import { GiftMessageSchema } from '../../../src/gen/douyin/messages_pb'
import { MessageSchema } from '../../../src/gen/douyin/push_pb'
import { createMessageStats, dispatchMessage } from '../../../src/platforms/douyin/normalize/dispatch'
import { giftEvent } from '../../../src/platforms/douyin/normalize/gift'
import { GiftComboTracker } from '../../../src/platforms/douyin/normalize/gift-combo'
import type { Gift } from '@laplace.live/event-types'
import { testContext } from './helpers'

function giftMsg(repeatCount: number, repeatEnd = false, opts: { groupId?: bigint; uid?: string } = {}) {
  const payload = toBinary(GiftMessageSchema, create(GiftMessageSchema, {
    giftId: 3389n, groupCount: 1n, repeatCount: BigInt(repeatCount), repeatEnd: repeatEnd ? 1 : 0,
    groupId: opts.groupId ?? 1_769_000_000_000_000_123n,
    user: { idStr: opts.uid ?? '88000000001', nickname: '送礼人' },
    gift: { id: 3389n, name: '小心心', diamondCount: 1, combo: true },
  }))
  return create(MessageSchema, { method: 'WebcastGiftMessage', payload })
}

function gifts(events: Array<{ type: string }>): Gift[] {
  return events.filter((e): e is Gift & { type: 'gift' } => e.type === 'gift')
}

describe('douyin gift combos', () => {
  test('repeatCount 1, 2, 3 then repeatEnd → one gift of 3, emitted at the end', () => {
    const t = testContext()
    const stats = createMessageStats()
    for (const rc of [1, 2, 3]) dispatchMessage(giftMsg(rc), t.ctx, stats)
    expect(gifts(t.events)).toHaveLength(0)
    dispatchMessage(giftMsg(3, true), t.ctx, stats)
    const g = gifts(t.events)
    expect(g).toHaveLength(1)
    expect(g[0]!.giftAmount).toBe(3)
    expect(g[0]!.price).toBe(3)
    expect(g[0]!.priceNormalized).toBe(0.3)
    expect(g[0]!.giftName).toBe('小心心')
    expect(g[0]!.id).toBe('dy:gift:1769000000000000123:88000000001:3389:1-3')
  })

  test('copies and out-of-order messages add nothing twice', () => {
    const t = testContext()
    const stats = createMessageStats()
    for (const [rc, end] of [[1, false], [1, false], [3, false], [2, false], [3, false], [3, true], [3, true], [2, true]] as const) {
      dispatchMessage(giftMsg(rc, end), t.ctx, stats)
    }
    const g = gifts(t.events)
    expect(g.map((e) => e.giftAmount)).toEqual([3])
  })

  test('two users with the same group id are two combos', () => {
    const t = testContext()
    const stats = createMessageStats()
    dispatchMessage(giftMsg(2, true, { uid: '1' }), t.ctx, stats)
    dispatchMessage(giftMsg(5, true, { uid: '2' }), t.ctx, stats)
    expect(gifts(t.events).map((e) => [e.uid, e.giftAmount])).toEqual([[1, 2], [2, 5]])
  })

  test('a combo that never sends repeatEnd ends after the idle timeout', () => {
    const t = testContext()
    const stats = createMessageStats()
    for (const rc of [1, 2, 3, 4]) dispatchMessage(giftMsg(rc), t.ctx, stats)
    t.clock.now += 9_999
    expect(t.ctx.combos.sweep(t.clock.now)).toHaveLength(0)
    t.clock.now += 1
    const done = t.ctx.combos.sweep(t.clock.now)
    expect(done.map((r) => [r.from, r.to])).toEqual([[1, 4]])
    expect(giftEvent(done[0]!, t.ctx).giftAmount).toBe(4)
    // A late repeatEnd copy of the same combo is not counted again …
    dispatchMessage(giftMsg(4, true), t.ctx, stats)
    expect(gifts(t.events)).toHaveLength(0)
    // … but a late message with a higher count adds only its delta.
    dispatchMessage(giftMsg(6, true), t.ctx, stats)
    const late = gifts(t.events)
    expect(late.map((e) => e.giftAmount)).toEqual([2])
    expect(late[0]!.id).toBe('dy:gift:1769000000000000123:88000000001:3389:5-6')
  })

  test('flushAll ends every open combo (session end)', () => {
    const tracker = new GiftComboTracker<string>()
    tracker.add({ key: 'a', repeatCount: 2, ends: false, facts: 'A' }, 0)
    tracker.add({ key: 'b', repeatCount: 7, ends: false, facts: 'B' }, 0)
    tracker.add({ key: 'c', repeatCount: 1, ends: true, facts: 'C' }, 0)
    expect(tracker.openCount).toBe(2)
    expect(tracker.flushAll(1).map((r) => [r.key, r.to, r.facts])).toEqual([['a', 2, 'A'], ['b', 7, 'B']])
    expect(tracker.openCount).toBe(0)
    expect(tracker.flushAll(2)).toEqual([])
  })

  test('finished combos are forgotten after the retain time', () => {
    const tracker = new GiftComboTracker<string>({ idleMs: 10, retainMs: 100 })
    tracker.add({ key: 'a', repeatCount: 1, ends: true, facts: 'A' }, 0)
    tracker.sweep(99)
    expect(tracker.add({ key: 'a', repeatCount: 1, ends: true, facts: 'A' }, 99)).toEqual([])
    tracker.sweep(200)
    // Douyin reuses group ids: after the retain time the same key is a new combo.
    expect(tracker.add({ key: 'a', repeatCount: 1, ends: true, facts: 'A2' }, 201).map((r) => r.facts)).toEqual(['A2'])
  })
})
