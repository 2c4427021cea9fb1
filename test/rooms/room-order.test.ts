import { describe, expect, test } from 'bun:test'
import { LocalEventBus } from '../../src/bus/event-bus'
import { parseRoomKey, parseRoomList, type LefEvent, type Platform, type RoomKey } from '../../src/events'
import type { Connector, SessionEnd, SessionHooks } from '../../src/platforms/connector'
import { LeaseKeeper } from '../../src/rooms/room-lease'
import { RoomManager } from '../../src/rooms/room-manager'
import { RoomOrder } from '../../src/rooms/room-order'
import { openDatabase } from '../../src/store/db'
import { RoomStore } from '../../src/store/room-store'
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

describe('the lease keeper reads the order before it starts a room', () => {
  test('a room\'s very first event carries its table index, for rooms seeded and added later', async () => {
    const database = await openDatabase({})
    try {
      const store = new RoomStore(database.db)
      await store.seed(parseRoomList('tiktok:@first,3001,tiktok:@third'), Date.now())
      // A connector that emits at once, as its session starts: the earliest an event can come.
      const connector = (platform: Platform): Connector => ({
        platform,
        idleTimeoutMs: 600_000,
        session: (room, hooks, signal) => {
          hooks.emit(messageEvent(0, { id: `first-${room.key}`, platform, room: room.key, originIdx: -1 }))
          return new Promise<SessionEnd>((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true }))
        },
      })
      const order = new RoomOrder({ load: () => store.order(), log: silentLog })
      const bus = new LocalEventBus()
      const got = new Map<string, number>()
      bus.subscribe((e) => void got.set(e.id, e.originIdx))
      const rooms = new RoomManager({ connectors: { bilibili: connector('bilibili'), tiktok: connector('tiktok') }, bus, log: silentLog, restartWaitMs: 100, restartCron: null, order })
      const keeper = new LeaseKeeper({ store, supervisors: rooms, nodeId: 'node-a', ttlMs: 3000, order, log: silentLog })
      await keeper.start()
      await waitFor(() => got.size === 3)
      expect(Object.fromEntries(got)).toEqual({ 'first-first': 0, 'first-3001': 1, 'first-third': 2 })

      await store.add(parseRoomKey('tiktok:@fourth'), { now: Date.now() + 1000 })
      await keeper.poke()
      await waitFor(() => got.has('first-fourth'))
      expect(got.get('first-fourth')).toBe(3)
      // Any node reading the same table gets the same order.
      const elsewhere = new RoomOrder({ load: () => new RoomStore(database.db).order(), log: silentLog })
      await elsewhere.refresh()
      expect(elsewhere.ids()).toEqual(order.ids())
      await keeper.stop({ release: true })
      await rooms.stop()
    } finally {
      await database.close()
    }
  }, 30_000)
})
