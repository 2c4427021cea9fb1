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
  const node = (nodeId: string, leaseStore: LeaseStore, sessions = probe) => {
    const manager = new RoomManager({ connectors: { bilibili: sessions.wrap(quietConnector()) }, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 100, restartCron: null })
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

  test('a node cut off from the database keeps its rooms; it stops one only once it sees another node holds it', async () => {
    const own = new SessionProbe()
    const flaky = cuttable(store)
    const a = node('node-a', flaky, own)
    await a.keeper.start()
    expect(a.keeper.heldIds().sort()).toEqual(['bilibili:2001', 'bilibili:2002', 'bilibili:2003'])
    const b = node('node-b', store, own)
    await b.keeper.start()
    expect(b.keeper.heldIds()).toEqual([])

    // A loses the database but keeps running: its renewals fail, B sees the leases run out.
    flaky.cut = true
    const cutAt = Date.now()
    await waitFor(() => b.keeper.heldIds().length === 3, TTL * 4, 'takeover by b')
    const took = Date.now() - cutAt
    expect(took).toBeGreaterThan(TTL * 0.6)
    expect(took).toBeLessThan(TTL * 2.5)
    // Failed renewals stopped nothing: A's rooms stayed connected the whole time (both run them now; ids dedupe).
    expect(a.keeper.heldIds()).toHaveLength(3)
    for (const id of ['bilibili:2001', 'bilibili:2002', 'bilibili:2003']) expect(own.running.get(id)).toBe(2)

    // A reaches the database again, sees B holds the rooms, and stops its own sessions.
    flaky.cut = false
    await waitFor(() => a.keeper.heldIds().length === 0, TTL * 3, 'a stops the rooms b holds')
    for (const id of ['bilibili:2001', 'bilibili:2002', 'bilibili:2003']) expect(own.running.get(id)).toBe(1)
    await a.keeper.stop({ release: true })
    await b.keeper.stop({ release: true })
    await a.manager.stop()
    await b.manager.stop()
    const rows = await store.list()
    expect(rows.map((r) => r.holder)).toEqual([null, null, null])
  })

  test('a node whose database hangs keeps its rooms, takes its expired leases back when it answers again, and stops promptly', async () => {
    const own = new SessionProbe()
    const flaky = cuttable(store)
    const a = node('node-c', flaky, own)
    await a.keeper.start()
    expect(a.keeper.heldIds()).toHaveLength(3)
    flaky.hang = true
    await Bun.sleep(TTL * 3)
    // No answer, no error: every lease ran out, and every room is still connected.
    expect(a.keeper.heldIds()).toHaveLength(3)
    expect(own.maxPeak()).toBe(1)
    for (const id of ['bilibili:2001', 'bilibili:2002', 'bilibili:2003']) expect(own.running.get(id)).toBe(1)
    const expired = (await store.list()).filter((r) => r.holder === 'node-c' && r.leaseExpiresAt! < Date.now())
    expect(expired).toHaveLength(3)
    // The database answers again: nobody else took the rooms, so the renewal takes them back.
    flaky.hang = false
    await waitFor(async () => (await store.list()).every((r) => r.holder === 'node-c' && r.leaseExpiresAt! > Date.now()), TTL * 4, 'leases renewed')
    expect(a.keeper.heldIds()).toHaveLength(3)
    flaky.hang = true
    // Shutdown does not hang on a stalled round.
    const t0 = Date.now()
    await a.keeper.stop({ release: true })
    expect(Date.now() - t0).toBeLessThan(TTL * 4)
    flaky.hang = false
    await store.release('node-c')
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
