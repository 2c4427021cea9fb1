import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { BridgeTestClient, bridgeUrl, SseTestClient, waitFor } from '../fanout/clients'
import { api, quietConnector, SessionProbe, startNode } from '../operator/support'

const ROOM = '25034104'
const WRITES: Array<[string, string, unknown?]> = [
  ['POST', '/rooms', { room: 'tiktok:@new_room' }],
  ['PATCH', `/rooms/${ROOM}`, { enabled: false }],
  ['DELETE', `/rooms/${ROOM}`],
  ['POST', `/rooms/${ROOM}/messages`, { message: 'injected into every overlay' }],
]

describe('while AUTH_KEY is unset, every write is refused and reads stay open', () => {
  let app: App
  const probe = new SessionProbe()

  beforeAll(async () => {
    app = await startNode({ AUTH_KEY: '', ROOMS: ROOM, WEBSOCKET_BRIDGE: 'true', ON_DEMAND_ROOMS: 'true' }, {
      bilibili: probe.wrap(quietConnector()), tiktok: probe.wrap(quietConnector('tiktok')),
    })
  }, 30_000)
  afterAll(() => app.stop(), 30_000)

  test('POST/PATCH/DELETE /rooms and operator messages answer 403 naming AUTH_KEY; nothing changes', async () => {
    const sse = new SseTestClient(`${app.url}/sse`)
    await waitFor('sse open', () => sse.messages.some((m) => m.comment === 'connected to lef'))
    let refused = 0
    for (const [method, path, body] of WRITES) {
      // With a key or without: there is no key to match while AUTH_KEY is unset.
      for (const key of [null, 'some-guess']) {
        const res = await api(app, method, path, body, key)
        expect(res.status, `${method} ${path}`).toBe(403)
        expect(res.json.message).toContain('set AUTH_KEY')
        refused++
      }
    }
    // Reads stay open, as in the LAPLACE fetcher; the room is untouched and no message went out.
    const rooms = await api<Array<{ id: string; enabled: boolean }>>(app, 'GET', '/rooms', undefined, null)
    expect(rooms.status).toBe(200)
    expect(rooms.json.data.map((r) => [r.id, r.enabled])).toEqual([[`bilibili:${ROOM}`, true]])
    expect((await api(app, 'GET', `/events/${ROOM}?full=1`, undefined, null)).status).toBe(200)
    await Bun.sleep(100)
    expect(sse.events().filter((m) => m.event === 'system')).toHaveLength(0)
    await app.writer.flush()
    expect(await app.store.after(0n, {}, 10)).toHaveLength(0)
    console.log(`writes without AUTH_KEY: ${refused} refused (403), 0 rooms changed, 0 messages injected`)
    sse.close()
  })

  test('on-demand starts are refused with a clear error on SSE and the bridge; no connection opens', async () => {
    const sse = new SseTestClient(`${app.url}/sse?rooms=tiktok:@wanted`)
    const bridge = new BridgeTestClient(bridgeUrl(app, { rooms: 'tiktok:@wanted' }))
    const sseError = await waitFor('sse lef-error', () => sse.messages.find((m) => m.event === 'lef-error'))
    expect(JSON.parse(sseError.data!)).toMatchObject({ type: 'error', platform: 'tiktok', room: 'wanted', code: 'FORBIDDEN', final: true })
    expect(JSON.parse(sseError.data!).message).toContain('AUTH_KEY is unset')
    const frame = await bridge.frame('error')
    expect(frame).toMatchObject({ code: 'FORBIDDEN', room: 'wanted' })
    expect(String(frame.message)).toContain('AUTH_KEY is unset')
    await Bun.sleep(300)
    expect(probe.started.get('tiktok:wanted') ?? 0).toBe(0)
    expect(app.onDemand?.rooms()).toEqual([])
    sse.close()
    bridge.close()
  })
})

describe('with AUTH_KEY set, writes and on-demand starts need it', () => {
  const KEY = 'writes-key-1'
  const BRIDGE_PASSWORD = 'writes-bridge-password-1'
  let app: App
  const probe = new SessionProbe()

  beforeAll(async () => {
    app = await startNode({ AUTH_KEY: KEY, ROOMS: ROOM, WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: BRIDGE_PASSWORD, ON_DEMAND_ROOMS: 'true', ON_DEMAND_IDLE: '200' }, {
      bilibili: probe.wrap(quietConnector()), tiktok: probe.wrap(quietConnector('tiktok')),
    })
  }, 30_000)
  afterAll(() => app.stop(), 30_000)

  test('no key or a wrong key: 401; the key: the write goes through', async () => {
    for (const [method, path, body] of WRITES) {
      expect((await api(app, method, path, body, null)).status, `${method} ${path}`).toBe(401)
      expect((await api(app, method, path, body, 'wrong')).status, `${method} ${path}`).toBe(401)
    }
    expect((await api(app, 'POST', `/rooms/${ROOM}/messages`, { message: 'hello' }, KEY)).status).toBe(200)
    expect((await api(app, 'POST', '/rooms', { room: 'tiktok:@added' }, KEY)).status).toBe(201)
    expect((await api(app, 'DELETE', '/rooms/tiktok:@added', undefined, KEY)).status).toBe(200)
  })

  test('a bridge client holding only the bridge password cannot start a room; an AUTH_KEY holder (SSE) can', async () => {
    const reader = new BridgeTestClient(bridgeUrl(app, { token: BRIDGE_PASSWORD, rooms: 'tiktok:@wanted' }))
    const frame = await reader.frame('error')
    expect(frame).toMatchObject({ code: 'FORBIDDEN', room: 'wanted' })
    expect(String(frame.message)).toContain('presents AUTH_KEY')
    await Bun.sleep(200)
    expect(probe.started.get('tiktok:wanted') ?? 0).toBe(0)

    // /sse demands AUTH_KEY itself, so its clients may start rooms.
    const sse = new SseTestClient(`${app.url}/sse?token=${KEY}&rooms=tiktok:@wanted`)
    await waitFor('room started', () => probe.started.get('tiktok:wanted') === 1 || undefined)
    const status = await waitFor('sse status', () => sse.messages.find((m) => m.event === 'lef-status'))
    expect(JSON.parse(status.data!)).toMatchObject({ type: 'status', room: 'wanted' })
    reader.close()
    sse.close()
  })
})
