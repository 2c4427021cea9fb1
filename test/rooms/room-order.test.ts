import { describe, expect, test } from 'bun:test'
import { LocalEventBus } from '../../src/bus/event-bus'
import type { LefEvent, RoomKey } from '../../src/events'
import type { Connector, SessionEnd, SessionHooks } from '../../src/platforms/connector'
import { RoomManager } from '../../src/rooms/room-manager'
import { RoomOrder } from '../../src/rooms/room-order'
import { silentLog } from '../support/app'
import { messageEvent } from '../support/events'
import { waitFor } from '../support/wait-for'

describe('RoomOrder', () => {
  test('indexes rooms by their place in the loaded order, and follows a new order on refresh', async () => {
    let ids = ['tiktok:a', 'bilibili:1', 'tiktok:b']
    const order = new RoomOrder({ load: async () => ids, log: silentLog })
    expect(order.indexOf('tiktok:b')).toBeUndefined()
    await order.refresh()
    expect([order.indexOf('tiktok:a'), order.indexOf('bilibili:1'), order.indexOf('tiktok:b')]).toEqual([0, 1, 2])
    ids = ['bilibili:1', 'tiktok:b']
    await order.refresh()
    expect([order.indexOf('tiktok:a'), order.indexOf('bilibili:1'), order.indexOf('tiktok:b')]).toEqual([undefined, 0, 1])
  })

  test('a failed read keeps the last order and never throws', async () => {
    let fail = false
    const order = new RoomOrder({
      load: async () => {
        if (fail) throw new Error('connection refused')
        return ['douyin:1', 'tiktok:b']
      },
      log: silentLog,
    })
    await order.refresh()
    fail = true
    await order.refresh()
    expect(order.ids()).toEqual(['douyin:1', 'tiktok:b'])
  })

  test('refreshes queue: one asked for after a change reads after it, even while another is in flight', async () => {
    let table = ['a:1']
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    let calls = 0
    const order = new RoomOrder({
      load: async () => {
        calls++
        const snapshot = [...table]
        if (calls === 1) await gate
        return snapshot
      },
      log: silentLog,
    })
    const first = order.refresh()
    table = ['a:1', 'b:2']
    const second = order.refresh()
    release()
    await Promise.all([first, second])
    expect(order.ids()).toEqual(['a:1', 'b:2'])
  })
})

describe('originIdx on every event of a supervised room', () => {
  test('the supervisor stamps the room\'s current index; a room not in the order keeps its own', async () => {
    const hooks: SessionHooks[] = []
    const connector: Connector = {
      platform: 'tiktok',
      idleTimeoutMs: 60_000,
      session: (_room: RoomKey, h, signal) => {
        hooks.push(h)
        return new Promise<SessionEnd>((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true }))
      },
    }
    let ids = ['tiktok:first', 'tiktok:second']
    const order = new RoomOrder({ load: async () => ids, log: silentLog })
    await order.refresh()
    const bus = new LocalEventBus()
    const got: LefEvent[] = []
    bus.subscribe((e) => got.push(e))
    const rooms = new RoomManager({ connectors: { tiktok: connector }, bus, log: silentLog, restartWaitMs: 10, restartCron: null, order })
    rooms.add({ platform: 'tiktok', key: 'second' })
    rooms.add({ platform: 'tiktok', key: 'unlisted' })
    await waitFor(() => hooks.length === 2)
    const [second, unlisted] = hooks as [SessionHooks, SessionHooks]
    second.emit(messageEvent(1, { originIdx: 7 }))
    unlisted.emit(messageEvent(2, { originIdx: 7 }))
    ids = ['tiktok:second']
    await order.refresh()
    second.emit(messageEvent(3, { originIdx: 7 }))
    expect(got.map((e) => [e.id, e.originIdx])).toEqual([['msg-1', 1], ['msg-2', 7], ['msg-3', 0]])
    await rooms.stop()
  })
})
