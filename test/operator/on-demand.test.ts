import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import type { RoomView } from '../../src/rooms/room-registry'
import { BridgeTestClient, bridgeUrl, SseTestClient, waitFor } from '../fanout/clients'
import { startTikTokSim, type TikTokSim } from '../sim/tiktok/sim'
import { api, OPERATOR_KEY, startNode } from './support'

const IDLE = 400

/** ON_DEMAND_ROOMS with the real TikTok connector against the simulator. */
describe('on-demand rooms', () => {
  let sim: TikTokSim
  let app: App
  const open = () => sim.stats.connections - sim.stats.closes

  beforeAll(async () => {
    sim = startTikTokSim()
    app = await startNode({
      ON_DEMAND_ROOMS: 'true', ON_DEMAND_IDLE: String(IDLE), WEBSOCKET_BRIDGE: 'true', RESTART_WAIT: '100', ROOM_LEASE_TTL: '1500',
      TIKTOK_WEB_BASE: sim.webBase, TIKTOK_WEBCAST_BASE: sim.webcastBase, TIKTOK_SIGN_SERVER: sim.signServer,
    })
  }, 30_000)
  afterAll(async () => {
    await app.stop()
    await sim.close()
  }, 30_000)

  test('an SSE client asking for an unwatched room sees it start (progress), then its events; it stops after the idle time', async () => {
    expect(app.rooms.list()).toEqual([])
    const sse = new SseTestClient(`${app.url}/sse?token=${OPERATOR_KEY}&rooms=tiktok:@sim_host`)
    const states = () => sse.messages.filter((m) => m.event === 'lef-status').map((m) => (JSON.parse(m.data!) as { state: string }).state)
    await waitFor('connected progress', () => states().includes('connected'))
    // The supervisor's phases, in order, ending connected.
    const seen = states()
    expect(seen[0]).toBe('resolving')
    expect(seen.at(-1)).toBe('connected')
    expect(seen.indexOf('connecting')).toBeGreaterThan(0)
    expect(seen.indexOf('connecting')).toBeLessThan(seen.indexOf('connected'))
    const first = JSON.parse(sse.messages.find((m) => m.event === 'lef-status')!.data!)
    expect(first).toMatchObject({ type: 'status', platform: 'tiktok', room: 'sim_host', state: 'resolving' })
    expect(open()).toBe(1)

    const rooms = (await api<RoomView[]>(app, 'GET', '/rooms')).json.data
    expect(rooms).toHaveLength(1)
    expect(rooms[0]).toMatchObject({ id: 'tiktok:sim_host', onDemand: true, holder: app.nodeId, connection: 'connected' })

    sim.pushChat('hello on demand')
    const chat = await waitFor('chat event', () => sse.events().find((m) => m.event === 'message'))
    expect(JSON.parse(chat.data!)).toMatchObject({ type: 'message', message: 'hello on demand', platform: 'tiktok', room: 'sim_host' })

    // A second client of the same room shares the connection and is told it is connected.
    const bridge = new BridgeTestClient(bridgeUrl(app, { token: OPERATOR_KEY, rooms: 'tiktok:@sim_host' }))
    const status = await waitFor('bridge status', () => bridge.frames.find((f) => f.type === 'lef-status'))
    expect(status).toMatchObject({ type: 'lef-status', platform: 'tiktok', room: 'sim_host', state: 'connected' })
    expect(sim.stats.connections).toBe(1)

    sse.close()
    await Bun.sleep(IDLE + 200)
    // The bridge client still wants it.
    expect(open()).toBe(1)
    bridge.close()
    const leftAt = Date.now()
    await waitFor('connector stopped', () => open() === 0, IDLE * 5)
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(IDLE - 50)
    expect(app.rooms.list()).toEqual([])
    expect((await api<RoomView[]>(app, 'GET', '/rooms')).json.data).toEqual([])
  })

  test('a client coming back within the idle time keeps the same connection', async () => {
    const first = new SseTestClient(`${app.url}/sse?token=${OPERATOR_KEY}&rooms=tiktok:@sim_host`)
    await waitFor('connected', () => first.messages.some((m) => m.event === 'lef-status' && m.data!.includes('"connected"')))
    const connections = sim.stats.connections
    first.close()
    await Bun.sleep(IDLE / 2)
    const again = new SseTestClient(`${app.url}/sse?token=${OPERATOR_KEY}&rooms=tiktok:@sim_host`)
    // It is told where the room stands at once.
    const status = await waitFor('status', () => again.messages.find((m) => m.event === 'lef-status'))
    expect(JSON.parse(status.data!)).toMatchObject({ state: 'connected', room: 'sim_host' })
    await Bun.sleep(IDLE)
    expect(sim.stats.connections).toBe(connections)
    expect(open()).toBe(1)
    again.close()
    await waitFor('stopped', () => open() === 0, IDLE * 5)
  })

  test('a room that does not exist gives the client a clear error and is not retried', async () => {
    const bridge = new BridgeTestClient(bridgeUrl(app, { token: OPERATOR_KEY, rooms: 'tiktok:@nobody_here' }))
    const err = await waitFor('error frame', () => bridge.frames.find((f) => f.type === 'error'))
    expect(err).toMatchObject({ type: 'error', platform: 'tiktok', room: 'nobody_here', code: 'NOT_FOUND', final: true })
    expect(String(err.message)).toBe('tiktok:nobody_here: tiktok user @nobody_here does not exist')
    await waitFor('room dropped', () => app.rooms.list().length === 0, 2000)
    const requests = sim.stats.apiRequests
    await Bun.sleep(500)
    expect(sim.stats.apiRequests).toBe(requests)
    bridge.close()
  })

  test('an SSE client gets lef-error for a room the operator disabled; no connector starts', async () => {
    await api(app, 'POST', '/rooms', { room: 'tiktok:@sim_host', enabled: false })
    const connections = sim.stats.connections
    const sse = new SseTestClient(`${app.url}/sse?token=${OPERATOR_KEY}&rooms=tiktok:sim_host`)
    const err = await waitFor('lef-error', () => sse.messages.find((m) => m.event === 'lef-error'))
    expect(JSON.parse(err.data!)).toMatchObject({ type: 'error', code: 'DISABLED', message: 'the operator has disabled this room', final: true })
    expect(sim.stats.connections).toBe(connections)
    sse.close()
    await api(app, 'DELETE', '/rooms/tiktok:sim_host')
  })
})

describe('on-demand rooms are off by default', () => {
  test('a client asking for an unwatched room starts nothing', async () => {
    const app = await startNode({})
    try {
      const sse = new SseTestClient(`${app.url}/sse?token=${OPERATOR_KEY}&rooms=tiktok:@sim_host`)
      await waitFor('connected', () => sse.messages.some((m) => m.comment === 'connected to lef'))
      await Bun.sleep(200)
      expect(app.rooms.list()).toEqual([])
      expect(sse.messages.some((m) => m.event === 'lef-status')).toBe(false)
      sse.close()
    } finally {
      await app.stop()
    }
  }, 30_000)
})
