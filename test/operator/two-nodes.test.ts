import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import type { RoomView } from '../../src/rooms/room-registry'
import { createTestDatabase } from '../support/pg'
import { api, quietConnector, SessionProbe, startNode, waitFor } from './support'

const TTL = 600
const ROOMS = ['1001', '1002', '1003', '1004', '1005', '1006']

/** Two lef nodes sharing one PostgreSQL database: each room is connected by exactly one of them. */
describe('room leases across two nodes', () => {
  let db: { url: string; drop(): Promise<void> }
  let a: App
  let b: App
  const probe = new SessionProbe()
  const held = (app: App) => app.leases.heldIds().sort()
  const env = () => ({ DATABASE_URL: db.url, ROOMS: ROOMS.join(','), ROOM_LEASE_TTL: String(TTL) })

  beforeAll(async () => {
    db = await createTestDatabase()
    // Both start together, racing for the same rows.
    ;[a, b] = await Promise.all([
      startNode(env(), { bilibili: probe.wrap(quietConnector()) }),
      startNode(env(), { bilibili: probe.wrap(quietConnector()) }),
    ])
  }, 30_000)
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await db.drop()
  }, 30_000)

  test('every room is held by exactly one node, and sessions match the leases', async () => {
    await waitFor(() => held(a).length + held(b).length === ROOMS.length, 3000, 'all rooms held')
    const both = [...held(a), ...held(b)]
    expect(new Set(both).size).toBe(ROOMS.length)
    expect(both.sort()).toEqual(ROOMS.map((r) => `bilibili:${r}`).sort())
    expect(held(a).filter((id) => held(b).includes(id))).toEqual([])
    // Several renew rounds later nothing moved and no room ever ran twice.
    const before = [held(a), held(b)]
    await Bun.sleep(TTL * 2)
    expect([held(a), held(b)]).toEqual(before)
    for (const r of ROOMS) expect(probe.running.get(`bilibili:${r}`)).toBe(1)
    expect(probe.maxPeak()).toBe(1)
  })

  test('both nodes list the same holders; each room shows the holder\'s connection state', async () => {
    const fromA = (await api<RoomView[]>(a, 'GET', '/rooms')).json.data
    const fromB = (await api<RoomView[]>(b, 'GET', '/rooms')).json.data
    expect(fromA.map((r) => [r.id, r.holder])).toEqual(fromB.map((r) => [r.id, r.holder]))
    for (const r of fromA) {
      expect([a.nodeId, b.nodeId]).toContain(r.holder!)
      expect(r.connection).toBe('connected')
      expect(r.here).toBe(r.holder === a.nodeId)
    }
  })

  test('a room added on one node is connected by exactly one node', async () => {
    const res = await api<RoomView>(b, 'POST', '/rooms', { room: 'bilibili:1007' })
    expect(res.status).toBe(201)
    expect(res.json.data.holder).toBe(b.nodeId)
    await Bun.sleep(TTL)
    expect(held(b)).toContain('bilibili:1007')
    expect(held(a)).not.toContain('bilibili:1007')
    expect(probe.running.get('bilibili:1007')).toBe(1)
  })

  test('disabling a room through the node that does not hold it stops it on its holder within one renew round', async () => {
    const target = held(b)[0]!
    const t0 = Date.now()
    const res = await api<RoomView>(a, 'PATCH', `/rooms/${target}`, { enabled: false })
    expect(res.json.data).toMatchObject({ enabled: false, connection: 'disabled' })
    await waitFor(() => probe.running.get(target) === 0, TTL * 2, 'stopped on the holder')
    expect(Date.now() - t0).toBeLessThan(TTL)
    expect(held(b)).not.toContain(target)
    expect(held(a)).not.toContain(target)
    await api(a, 'PATCH', `/rooms/${target}`, { enabled: true })
    await waitFor(() => probe.running.get(target) === 1, TTL * 2, 'running again')
    expect(probe.maxPeak()).toBe(1)
  })

  test('a crashed node\'s rooms move to the survivor within a bounded time, never running twice', async () => {
    // Make sure the crashing node holds something.
    if (held(a).length === 0) await api(a, 'POST', '/rooms', { room: 'bilibili:1008' })
    const lost = held(a)
    expect(lost.length).toBeGreaterThan(0)
    // A crash: the renew loop and the connections stop; the leases stay in the database.
    await a.leases.stop({ release: false })
    const crashedAt = Date.now()
    for (const id of lost) expect(probe.running.get(id)).toBe(0)
    await waitFor(() => lost.every((id) => held(b).includes(id)), TTL * 4, 'takeover')
    const tookMs = Date.now() - crashedAt
    // The lease runs out after at most one TTL; the survivor's next round (TTL/3) takes it.
    expect(tookMs).toBeLessThan(TTL * 2)
    expect(tookMs).toBeGreaterThan(TTL / 3)
    for (const id of lost) expect(probe.running.get(id)).toBe(1)
    expect(probe.maxPeak()).toBe(1)
    const rooms = (await api<RoomView[]>(b, 'GET', '/rooms')).json.data
    expect(rooms.every((r) => r.holder === b.nodeId)).toBe(true)
  })

  test('a clean stop hands rooms over at once', async () => {
    const c = await startNode(env(), { bilibili: probe.wrap(quietConnector()) })
    try {
      // c finds every room held by b; it takes nothing.
      expect(c.leases.heldIds()).toEqual([])
      const all = held(b)
      await b.leases.stop({ release: true })
      const t0 = Date.now()
      await waitFor(() => held(c).length === all.length, TTL * 2, 'handover')
      // No waiting for expiry: the next round of c (TTL/3) claims them.
      expect(Date.now() - t0).toBeLessThan(TTL)
      expect(probe.maxPeak()).toBe(1)
    } finally {
      await c.stop()
    }
  }, 30_000)
})

/** With a long TTL (rounds every ~7 s), a change made through one node still reaches the holder at once. */
describe('room changes reach the other node at once (PostgreSQL NOTIFY)', () => {
  let db: { url: string; drop(): Promise<void> }
  let a: App
  let b: App
  const probe = new SessionProbe()

  beforeAll(async () => {
    db = await createTestDatabase()
    a = await startNode({ DATABASE_URL: db.url, ROOMS: '3001', ROOM_LEASE_TTL: '20000' }, { bilibili: probe.wrap(quietConnector()) })
    b = await startNode({ DATABASE_URL: db.url, ROOMS: '3001', ROOM_LEASE_TTL: '20000' }, { bilibili: probe.wrap(quietConnector()) })
  }, 30_000)
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await db.drop()
  }, 30_000)

  test('disabling through the other node stops the holder within a second; enabling brings it back as fast', async () => {
    expect(a.leases.heldIds()).toEqual(['bilibili:3001'])
    expect(b.leases.heldIds()).toEqual([])
    const t0 = Date.now()
    await api(b, 'PATCH', '/rooms/3001', { enabled: false })
    await waitFor(() => probe.running.get('bilibili:3001') === 0, 1000, 'stopped on a')
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(a.leases.heldIds()).toEqual([])
    await api(b, 'PATCH', '/rooms/3001', { enabled: true })
    await waitFor(() => probe.running.get('bilibili:3001') === 1, 1000, 'running again')
    expect(probe.maxPeak()).toBe(1)
  })
})

describe('ROOMS_PER_NODE spreads rooms over nodes', () => {
  let db: { url: string; drop(): Promise<void> }
  let a: App
  let b: App
  const probe = new SessionProbe()
  const env = () => ({ DATABASE_URL: db.url, ROOMS: '4001,4002,4003,4004,4005,4006,4007', ROOM_LEASE_TTL: String(TTL), ROOMS_PER_NODE: '3' })

  beforeAll(async () => {
    db = await createTestDatabase()
    // One after the other: without the cap the first would take every room.
    a = await startNode(env(), { bilibili: probe.wrap(quietConnector()) })
    b = await startNode(env(), { bilibili: probe.wrap(quietConnector()) })
  }, 30_000)
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await db.drop()
  }, 30_000)

  test('each node takes at most its share; the rest wait unassigned, and a room added to a full node waits too', async () => {
    expect(a.leases.heldIds()).toEqual(['bilibili:4001', 'bilibili:4002', 'bilibili:4003'])
    expect(b.leases.heldIds()).toEqual(['bilibili:4004', 'bilibili:4005', 'bilibili:4006'])
    const added = await api<RoomView>(a, 'POST', '/rooms', { room: '4008' })
    expect(added.json.data).toMatchObject({ holder: null, connection: 'unassigned', here: false })
    await Bun.sleep(TTL)
    const rooms = (await api<RoomView[]>(a, 'GET', '/rooms')).json.data
    expect(rooms.filter((r) => r.connection === 'unassigned').map((r) => r.id)).toEqual(['bilibili:4007', 'bilibili:4008'])
    expect(probe.maxPeak()).toBe(1)
    // A room freed on a node is taken by that node from the waiting ones.
    await api(a, 'PATCH', '/rooms/4001', { enabled: false })
    await waitFor(() => a.leases.heldIds().length === 3 && !a.leases.heldIds().includes('bilibili:4001'), TTL * 2, 'refilled')
    expect(a.leases.heldIds().filter((id) => id === 'bilibili:4007' || id === 'bilibili:4008')).toHaveLength(1)
  })
})
