import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { LocalEventBus } from '../../src/bus/event-bus'
import { parseRoomList } from '../../src/events'
import { LeaseKeeper, type LeaseStore } from '../../src/rooms/room-lease'
import { RoomManager } from '../../src/rooms/room-manager'
import { openDatabase, type Database } from '../../src/store/db'
import { RoomStore } from '../../src/store/room-store'
import { silentLog } from '../support/app'
import { quietConnector, SessionProbe, waitFor } from './support'

const TTL = 450

/**
 * A store whose database "goes away" on request: every call fails (`cut`), as during an outage,
 * or never answers (`hang`), as behind a network split where no error ever arrives.
 */
function cuttable(store: RoomStore): LeaseStore & { cut: boolean; hang: boolean } {
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    if (wrapper.cut) throw new Error('connection refused')
    if (wrapper.hang) return new Promise<R>(() => {})
    return f(...a)
  }
  const wrapper = {
    cut: false,
    hang: false,
    candidates: guard(store.candidates.bind(store)),
    claim: guard(store.claim.bind(store)),
    renew: guard(store.renew.bind(store)),
    release: guard(store.release.bind(store)),
    claimOnDemand: guard(store.claimOnDemand.bind(store)),
    removeOnDemand: guard(store.removeOnDemand.bind(store)),
    sweepOnDemand: guard(store.sweepOnDemand.bind(store)),
  }
  return wrapper
}

describe('LeaseKeeper on PGlite', () => {
  let database: Database
  let store: RoomStore
  const probe = new SessionProbe()
  const node = (nodeId: string, leaseStore: LeaseStore) => {
    const manager = new RoomManager({ connectors: { bilibili: probe.wrap(quietConnector()) }, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 100, restartCron: null })
    return { manager, keeper: new LeaseKeeper({ store: leaseStore, supervisors: manager, nodeId, ttlMs: TTL, log: silentLog }) }
  }

  beforeAll(async () => {
    database = await openDatabase({})
    store = new RoomStore(database.db)
    await store.seed(parseRoomList('2001,2002,2003'), Date.now())
  }, 30_000)
  afterAll(async () => {
    await database.close()
  }, 30_000)

  test('a node cut off from the database stops its rooms before another node may take them', async () => {
    const flaky = cuttable(store)
    const a = node('node-a', flaky)
    await a.keeper.start()
    expect(a.keeper.heldIds().sort()).toEqual(['bilibili:2001', 'bilibili:2002', 'bilibili:2003'])
    const b = node('node-b', store)
    await b.keeper.start()
    expect(b.keeper.heldIds()).toEqual([])

    // A loses the database but keeps running: it cannot renew, B cannot see that A is alive.
    flaky.cut = true
    const cutAt = Date.now()
    await waitFor(() => b.keeper.heldIds().length === 3, TTL * 4, 'takeover by b')
    const took = Date.now() - cutAt
    expect(a.keeper.heldIds()).toEqual([])
    expect(a.manager.list()).toEqual([])
    expect(took).toBeGreaterThan(TTL * 0.6)
    expect(took).toBeLessThan(TTL * 2.5)
    // The whole time, each room had at most one session.
    expect(probe.maxPeak()).toBe(1)
    for (const id of ['bilibili:2001', 'bilibili:2002', 'bilibili:2003']) expect(probe.running.get(id)).toBe(1)

    // A comes back: it finds every room held and takes nothing.
    flaky.cut = false
    await Bun.sleep(TTL)
    expect(a.keeper.heldIds()).toEqual([])
    await a.keeper.stop({ release: true })
    await b.keeper.stop({ release: true })
    await a.manager.stop()
    await b.manager.stop()
    const rows = await store.list()
    expect(rows.map((r) => r.holder)).toEqual([null, null, null])
  })

  test('a node whose database hangs (no error, no answer) still stops its rooms in time', async () => {
    const flaky = cuttable(store)
    const a = node('node-c', flaky)
    await a.keeper.start()
    expect(a.keeper.heldIds()).toHaveLength(3)
    const b = node('node-d', store)
    await b.keeper.start()
    flaky.hang = true
    await waitFor(() => b.keeper.heldIds().length === 3, TTL * 4, 'takeover by d')
    expect(a.keeper.heldIds()).toEqual([])
    expect(a.manager.list()).toEqual([])
    expect(probe.maxPeak()).toBe(1)
    // Shutdown does not hang on the stalled round.
    const t0 = Date.now()
    await a.keeper.stop({ release: true })
    expect(Date.now() - t0).toBeLessThan(TTL * 3)
    flaky.hang = false
    await b.keeper.stop({ release: true })
    await b.manager.stop()
    await a.manager.stop()
  })

  test('a preferred node takes its rooms first; others wait out the grace', async () => {
    const prefersOdd = (r: { key: string }) => Number(r.key) % 2 === 1
    const manager = new RoomManager({ connectors: { bilibili: probe.wrap(quietConnector()) }, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 100, restartCron: null })
    const keeper = new LeaseKeeper({ store, supervisors: manager, nodeId: 'node-odd', ttlMs: TTL, prefers: prefersOdd, foreignGraceMs: TTL * 2, log: silentLog })
    await store.seed(parseRoomList('2004'), Date.now())
    await keeper.start()
    // 2001 and 2003 are its own; 2002 and 2004 have been free only briefly (2004 was just added).
    expect(keeper.heldIds().sort()).toEqual(['bilibili:2001', 'bilibili:2003'])
    await waitFor(() => keeper.heldIds().length === 4, TTL * 5, 'foreign rooms after the grace')
    await keeper.stop({ release: true })
    await manager.stop()
  })
})
