import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalEventBus } from '../../src/bus/event-bus'
import { parseRoomList } from '../../src/events'
import { HeldRoomsFile } from '../../src/rooms/held-rooms-file'
import { LeaseKeeper, type LeaseStore } from '../../src/rooms/room-lease'
import { RoomManager } from '../../src/rooms/room-manager'
import { openDatabase, type Database } from '../../src/store/db'
import { RoomStore } from '../../src/store/room-store'
import { silentLog } from '../support/app'
import { quietConnector, SessionProbe, waitFor } from '../operator/support'

const TTL = 450
const dir = mkdtempSync(join(tmpdir(), 'lef-held-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('HeldRoomsFile', () => {
  test('saves and loads the rooms of its node only; a broken or foreign file gives none', () => {
    const path = join(dir, 'a', 'held-rooms.json')
    const file = new HeldRoomsFile(path, 'node-1', silentLog)
    expect(file.load()).toEqual([])
    file.save(parseRoomList('2,douyin:abc,1'))
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ node: 'node-1', rooms: ['bilibili:1', 'bilibili:2', 'douyin:abc'] })
    expect(new HeldRoomsFile(path, 'node-1', silentLog).load()).toEqual(parseRoomList('1,2,douyin:abc'))
    expect(new HeldRoomsFile(path, 'node-2', silentLog).load()).toEqual([])
    writeFileSync(path, '{not json')
    expect(new HeldRoomsFile(path, 'node-1', silentLog).load()).toEqual([])
    writeFileSync(path, JSON.stringify({ node: 'node-1', rooms: ['bilibili:1', 'nope:x'] }))
    expect(new HeldRoomsFile(path, 'node-1', silentLog).load()).toEqual([])
  })
})

describe('LeaseKeeper.resume', () => {
  let database: Database
  let store: RoomStore
  beforeAll(async () => {
    database = await openDatabase({})
    store = new RoomStore(database.db)
    await store.seed(parseRoomList('3001,3002'), Date.now())
  }, 30_000)
  afterAll(() => database.close(), 30_000)

  test('reconnects the remembered rooms before the database answers; the first round keeps ours and stops one another node holds', async () => {
    const path = join(dir, 'b', 'held-rooms.json')
    new HeldRoomsFile(path, 'node-r', silentLog).save(parseRoomList('3001,3002'))
    // Another node took 3002 meanwhile.
    await store.claim(['bilibili:3002'], 'node-other', 60_000)
    let answering = false
    const gated = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      while (!answering) await Bun.sleep(10)
      return f(...a)
    }
    const slow: LeaseStore = {
      candidates: gated(store.candidates.bind(store)), claim: gated(store.claim.bind(store)), renew: gated(store.renew.bind(store)),
      release: gated(store.release.bind(store)), claimOnDemand: gated(store.claimOnDemand.bind(store)),
      removeOnDemand: gated(store.removeOnDemand.bind(store)), sweepOnDemand: gated(store.sweepOnDemand.bind(store)),
    }
    const probe = new SessionProbe()
    const manager = new RoomManager({ connectors: { bilibili: probe.wrap(quietConnector()) }, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 100, restartCron: null })
    const keeper = new LeaseKeeper({ store: slow, supervisors: manager, nodeId: 'node-r', ttlMs: TTL, memory: new HeldRoomsFile(path, 'node-r', silentLog), log: silentLog })
    expect(keeper.resume().length).toBe(2)
    const starting = keeper.start()
    await waitFor(() => probe.running.get('bilibili:3001') === 1 && probe.running.get('bilibili:3002') === 1, 2000, 'both running without the database')
    answering = true
    await starting
    expect(keeper.heldIds()).toEqual(['bilibili:3001'])
    expect(probe.running.get('bilibili:3002')).toBe(0)
    expect((await store.get({ platform: 'bilibili', key: '3001' }))?.holder).toBe('node-r')
    expect(JSON.parse(readFileSync(path, 'utf8')).rooms).toEqual(['bilibili:3001'])
    await keeper.stop({ release: true })
    await manager.stop()
  })
})
