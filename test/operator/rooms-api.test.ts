import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { createConnectors } from '../../src/platforms/connectors'
import { parseEnv } from '../../src/config'
import type { RoomView } from '../../src/rooms/room-registry'
import { createTestDatabase } from '../support/pg'
import { startTikTokSim, type TikTokSim } from '../sim/tiktok/sim'
import { api, SessionProbe, startNode, waitFor } from './support'

const KEY = 'operator-key-1'

/** The rooms API against real TikTok connectors talking to the simulator, on PostgreSQL. */
describe('rooms in the database: CRUD moves connectors live', () => {
  let sim: TikTokSim
  let db: { url: string; drop(): Promise<void> }
  let app: App
  const probe = new SessionProbe()
  let env: Record<string, string>
  const open = () => sim.stats.connections - sim.stats.closes

  beforeAll(async () => {
    sim = startTikTokSim({
      users: {
        sim_host: { roomId: '7270193599273683745', live: true, nickname: 'Sim Host' },
        sim_two: { roomId: '7270193599273680002', live: true, nickname: 'Second Host' },
      },
    })
    db = await createTestDatabase()
    env = {
      DATABASE_URL: db.url, AUTH_KEY: KEY, ROOMS: 'tiktok:@sim_host', RESTART_WAIT: '100', ROOM_LEASE_TTL: '1500',
      TIKTOK_WEB_BASE: sim.webBase, TIKTOK_WEBCAST_BASE: sim.webcastBase, TIKTOK_SIGN_SERVER: sim.signServer,
    }
    const real = createConnectors(parseEnv(env))
    app = await startNode(env, { tiktok: probe.wrap(real.tiktok) })
    await waitFor(() => app.rooms.list().some((r) => r.key === 'sim_host' && r.state === 'connected'), 5000, 'seeded room connected')
  }, 30_000)
  afterAll(async () => {
    await app?.stop()
    await sim.close()
    await db.drop()
  }, 30_000)

  test('ROOMS seeds the table; GET /rooms lists it as connected here', async () => {
    const { status, json } = await api<RoomView[]>(app, 'GET', '/rooms', undefined, KEY)
    expect(status).toBe(200)
    expect(json.data).toHaveLength(1)
    expect(json.data[0]).toMatchObject({ id: 'tiktok:sim_host', platform: 'tiktok', key: 'sim_host', enabled: true, onDemand: false, holder: app.nodeId, here: true, connection: 'connected' })
    expect(json.data[0]!.leaseExpiresAt).toBeGreaterThan(Date.now())
    expect(open()).toBe(1)
  })

  test('the OpenAPI document lists the operator routes', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    expect(Object.keys(doc.paths['/rooms']!).sort()).toEqual(['get', 'post'])
    expect(Object.keys(doc.paths['/rooms/{room}']!).sort()).toEqual(['delete', 'get', 'patch'])
    for (const p of ['/rooms/{room}/messages', '/events/{room}/export', '/events/search', '/stats/activity', '/stats/paid']) expect(doc.paths[p]).toBeDefined()
  })

  test('POST /rooms connects the new room within a second', async () => {
    const t0 = Date.now()
    const { status, json } = await api<RoomView>(app, 'POST', '/rooms', { room: 'tiktok:@sim_two', label: 'second stage' }, KEY)
    expect(status).toBe(201)
    expect(json.data).toMatchObject({ id: 'tiktok:sim_two', label: 'second stage', enabled: true, here: true, holder: app.nodeId })
    await waitFor(() => app.rooms.get({ platform: 'tiktok', key: 'sim_two' })?.status.state === 'connected', 1000, 'sim_two connected')
    // The enter-room frame follows the connected phase; the sim may not have read it yet.
    await waitFor(() => sim.stats.enterRoomIds.includes('7270193599273680002'), 1000, 'enter-room frame for sim_two')
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(open()).toBe(2)
  })

  test('a second POST of the same room is a 409; bad bodies and forms are clear 400s; no key is 401', async () => {
    const dup = await api(app, 'POST', '/rooms', { room: 'tiktok:sim_two' }, KEY)
    expect(dup.status).toBe(409)
    expect(dup.json.message).toContain('tiktok:sim_two already exists')
    const form = await api(app, 'POST', '/rooms', { room: 'twitch:someone' }, KEY)
    expect(form.status).toBe(400)
    expect(form.json.message).toContain('unknown platform "twitch"')
    const body = await api(app, 'POST', '/rooms', { label: 'no room' }, KEY)
    expect(body.status).toBe(400)
    expect(body.json.message).toContain('room')
    const garbage = await api(app, 'POST', '/rooms', '{not json', KEY)
    expect(garbage.status).toBe(400)
    const empty = await api(app, 'PATCH', '/rooms/tiktok:sim_two', {}, KEY)
    expect(empty.status).toBe(400)
    expect(empty.json.message).toContain('give label and/or enabled')
    const extra = await api(app, 'PATCH', '/rooms/tiktok:sim_two', { enabled: 'yes' }, KEY)
    expect(extra.status).toBe(400)
    const missing = await api(app, 'PATCH', '/rooms/douyin:123456', { enabled: false }, KEY)
    expect(missing.status).toBe(404)
    expect((await api(app, 'GET', '/rooms', undefined, null)).status).toBe(401)
    expect((await api(app, 'DELETE', '/rooms/douyin:123456', undefined, KEY)).status).toBe(404)
  })

  test('PATCH enabled=false stops the connection at once; enabled=true brings it back', async () => {
    const closesBefore = sim.stats.closes
    const off = await api<RoomView>(app, 'PATCH', '/rooms/tiktok:@sim_two', { enabled: false }, KEY)
    expect(off.status).toBe(200)
    expect(off.json.data).toMatchObject({ enabled: false, connection: 'disabled', here: false })
    expect(app.rooms.get({ platform: 'tiktok', key: 'sim_two' })).toBeUndefined()
    await waitFor(() => sim.stats.closes > closesBefore, 2000, 'socket closed')
    expect(open()).toBe(1)
    expect(probe.running.get('tiktok:sim_two')).toBe(0)

    const on = await api<RoomView>(app, 'PATCH', '/rooms/tiktok:sim_two', { enabled: true, label: 'back' }, KEY)
    expect(on.json.data).toMatchObject({ enabled: true, label: 'back', here: true })
    await waitFor(() => app.rooms.get({ platform: 'tiktok', key: 'sim_two' })?.status.state === 'connected', 1000, 'reconnected')
    expect(open()).toBe(2)
  })

  test('DELETE removes the room and closes its connection; no room ever had two sessions', async () => {
    const del = await api<{ id: string; deleted: boolean }>(app, 'DELETE', '/rooms/tiktok:@sim_two', undefined, KEY)
    expect(del.json.data).toEqual({ id: 'tiktok:sim_two', deleted: true })
    await waitFor(() => open() === 1, 2000, 'socket closed')
    const list = await api<RoomView[]>(app, 'GET', '/rooms', undefined, KEY)
    expect(list.json.data.map((r) => r.id)).toEqual(['tiktok:sim_host'])
    expect(probe.maxPeak()).toBe(1)
  })

  test('a room the operator disabled stays disabled when a node starts again with the same ROOMS', async () => {
    await api(app, 'PATCH', '/rooms/tiktok:sim_host', { enabled: false }, KEY)
    await waitFor(() => open() === 0, 2000, 'sim_host closed')
    await app.stop()
    const connectionsBefore = sim.stats.connections
    app = await startNode(env, { tiktok: probe.wrap(createConnectors(parseEnv(env)).tiktok) })
    const list = await api<RoomView[]>(app, 'GET', '/rooms', undefined, KEY)
    expect(list.json.data).toHaveLength(1)
    expect(list.json.data[0]).toMatchObject({ id: 'tiktok:sim_host', enabled: false, connection: 'disabled' })
    await Bun.sleep(300)
    expect(app.rooms.list()).toHaveLength(0)
    expect(sim.stats.connections).toBe(connectionsBefore)
  }, 30_000)
})
