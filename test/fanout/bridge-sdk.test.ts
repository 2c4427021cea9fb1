import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test'
import { ConnectionState, LaplaceEventBridgeClient, fetchInfo } from '@laplace.live/event-bridge-sdk'
import type { App } from '../../src/app'
import { BRIDGE_PROTOCOL_VERSION } from '../../src/http/bridge/protocol'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { HOOK_TIMEOUT_MS, bridgeUrl, upload, waitFor } from './clients'

// The SDK narrates every connect on the console; keep test output readable.
spyOn(console, 'log').mockImplementation(() => {})
spyOn(console, 'warn').mockImplementation(() => {})
spyOn(console, 'error').mockImplementation(() => {})

const PASSWORD = 'bridge-secret-1'
const UPLOAD_KEY = 'upload-key-1'

describe('bridge conformance with @laplace.live/event-bridge-sdk', () => {
  let app: App
  let open: App

  beforeAll(async () => {
    app = await startTestApp({ WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, BRIDGE_PING_INTERVAL: '100', UPLOAD_KEY })
    open = await startTestApp({ WEBSOCKET_BRIDGE: 'true', BRIDGE_PING_INTERVAL: '100', UPLOAD_KEY })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await app.stop()
    await open.stop()
  }, HOOK_TIMEOUT_MS)

  test('with a token: established with a ping-monitored version, pings kept alive, typed events delivered', async () => {
    const client = new LaplaceEventBridgeClient({ url: bridgeUrl(app), token: PASSWORD, reconnect: false, pingTimeout: 400 })
    const states: ConnectionState[] = []
    client.onConnectionStateChange((s) => states.push(s))
    const established: Array<Record<string, unknown>> = []
    client.onAny((e) => {
      if ((e as { type: string }).type === 'established') established.push(e as unknown as Record<string, unknown>)
    })
    const gifts: Array<{ id: string; giftName: string; price: number; uid: number; room?: string }> = []
    client.on('gift', (g) => gifts.push(g as never))
    const messages: string[] = []
    client.on('message', (m) => messages.push(m.message))

    await client.connect()
    await waitFor('established', () => established[0])
    expect(established[0]).toMatchObject({ type: 'established', version: BRIDGE_PROTOCOL_VERSION, isServer: false })
    expect(client.getClientId()).toMatch(/^client-\d+$/)

    // pingTimeout 400 ms is checked every 133 ms: with pings every 100 ms the SDK must stay put.
    await Bun.sleep(1200)
    expect(client.getConnectionState()).toBe(ConnectionState.CONNECTED)
    expect(states).not.toContain(ConnectionState.RECONNECTING)

    const info = await fetchInfo({ url: bridgeUrl(app) })
    expect(info?.websocketBridge).toBe(true)
    expect(info?.websocketClients).toBe(1)

    await upload(app, UPLOAD_KEY, [giftEvent(7, { id: 'sdk-gift-7' }), messageEvent(8, { id: 'sdk-msg-8' })])
    await waitFor('gift and message', () => gifts.length === 1 && messages.length === 1)
    expect(gifts[0]).toMatchObject({ id: 'sdk-gift-7', giftName: '小花花', price: 3000, uid: 1007, room: '25034104' })
    expect(messages).toEqual(['hello 8'])

    client.disconnect()
    await waitFor('client count 0', () => app.bridge?.clientCount === 0)
  })

  test('the server pings at BRIDGE_PING_INTERVAL and accepts the SDK pongs', async () => {
    const ws = new WebSocket(bridgeUrl(app), ['laplace-event-bridge-role-client', PASSWORD])
    const pings: number[] = []
    ws.onmessage = (m) => {
      const f = JSON.parse(String(m.data)) as { type: string; timestamp: number }
      if (f.type === 'ping') {
        pings.push(f.timestamp)
        ws.send(JSON.stringify({ type: 'pong', timestamp: Date.now(), respondingTo: f.timestamp }))
      }
    }
    await new Promise((r) => (ws.onopen = r))
    expect(ws.protocol).toBe('laplace-event-bridge-role-client')
    await waitFor('4 pings', () => pings.length >= 4)
    const gaps = pings.slice(1).map((t, i) => t - (pings[i] ?? 0))
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(80)
    ws.close()
  })

  test('a wrong token is refused with 401 before the upgrade', async () => {
    const client = new LaplaceEventBridgeClient({ url: bridgeUrl(app), token: 'not-the-password', reconnect: false })
    await expect(client.connect()).rejects.toBeDefined()
    expect(client.getConnectionState()).not.toBe(ConnectionState.CONNECTED)

    // The same refusal seen as HTTP: a plain upgrade request with the wrong password gets 401.
    const res = await fetch(`${app.url}/?token=nope`, {
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    })
    expect(res.status).toBe(401)
    expect(await res.text()).toBe('Unauthorized: wrong bridge password')
    const missing = await fetch(`${app.url}/`, {
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    })
    expect(missing.status).toBe(401)
    expect(app.bridge?.stats.authFailures).toBeGreaterThanOrEqual(3)
  })

  test('?token= alone (no subprotocol) is accepted', async () => {
    const ws = new WebSocket(bridgeUrl(app, { token: PASSWORD }))
    const first = await new Promise<{ type: string; clientId: string }>((resolve, reject) => {
      ws.onmessage = (m) => resolve(JSON.parse(String(m.data)))
      ws.onerror = () => reject(new Error('refused'))
    })
    expect(first.type).toBe('established')
    expect(first.clientId).toMatch(/^client-\d+$/)
    ws.close()
  })

  test('without a configured password the SDK connects with no token', async () => {
    const client = new LaplaceEventBridgeClient({ url: bridgeUrl(open), reconnect: false, pingTimeout: 400 })
    const ids: string[] = []
    client.on('superchat', (e) => ids.push(e.id))
    await client.connect()
    await waitFor('client registered', () => open.bridge?.clientCount === 1)
    await upload(open, UPLOAD_KEY, [giftEvent(1, { id: 'sc-1', type: 'superchat', message: 'hi', price: 30 })])
    await waitFor('superchat', () => ids.length === 1)
    expect(ids).toEqual(['sc-1'])
    client.disconnect()
  })

  test('plain GET / still reaches the REST app (which points it at the dashboard)', async () => {
    const res = await fetch(`${app.url}/ping`)
    expect(res.status).toBe(200)
    const root = await fetch(`${app.url}/`, { redirect: 'manual' })
    expect(root.status).toBe(302)
    expect(root.headers.get('location')).toBe('/dashboard')
  })
})
