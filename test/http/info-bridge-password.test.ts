import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test'
import { LaplaceEventBridgeClient, fetchInfo } from '@laplace.live/event-bridge-sdk'
import type { App } from '../../src/app'
import { HOOK_TIMEOUT_MS, bridgeUrl } from '../fanout/clients'
import { startTestApp } from '../support/app'
import { giftEvent } from '../support/events'

// The SDK narrates every connect on the console; keep test output readable.
spyOn(console, 'log').mockImplementation(() => {})
spyOn(console, 'error').mockImplementation(() => {})

const AUTH_KEY = 'info-auth-key-1'
const PASSWORD = 'info-bridge-password-1'
const UPLOAD_KEY = 'info-upload-key-1'

const call = (app: App, method: string, path: string, key?: string, body?: unknown) =>
  fetch(`${app.url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })

describe('/info takes the bridge password (AUTH_KEY and WEBSOCKET_BRIDGE_AUTH set and different)', () => {
  let app: App

  beforeAll(async () => {
    // AUTH_FAIL_LIMIT off: this test tries the wrong key on every route from one address.
    app = await startTestApp({ AUTH_KEY, WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, UPLOAD_KEY, ROOMS: '25034104', AUTH_FAIL_LIMIT: '0' })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await app.stop()
  }, HOOK_TIMEOUT_MS)

  test("the real SDK's fetchInfo() and getInfo() with the bridge password answer the rooms", async () => {
    const info = await fetchInfo({ url: bridgeUrl(app), token: PASSWORD })
    expect(info).not.toBeNull()
    expect(info?.websocketBridge).toBe(true)
    expect(info?.rooms.map((r) => r.roomId)).toEqual([25034104])

    const client = new LaplaceEventBridgeClient({ url: bridgeUrl(app), token: PASSWORD, reconnect: false })
    await client.connect()
    try {
      const viaClient = await client.getInfo()
      expect(viaClient?.rooms.map((r) => r.roomId)).toEqual([25034104])
      expect(viaClient?.websocketClients).toBe(1)
    } finally {
      client.disconnect()
    }
  })

  test('AUTH_KEY still opens /info; a wrong or missing key does not', async () => {
    expect((await fetchInfo({ url: app.url, token: AUTH_KEY }))?.rooms).toHaveLength(1)
    expect(await fetchInfo({ url: app.url, token: 'not-the-password' })).toBeNull()
    expect(await fetchInfo({ url: app.url })).toBeNull()
    const res = await call(app, 'GET', '/info', 'not-the-password')
    expect(res.status).toBe(401)
    expect(((await res.json()) as { message: string }).message).not.toContain(PASSWORD)
  })

  test('the bridge password opens nothing else: every other guarded route answers 401', async () => {
    const refused: Array<[string, string, unknown?]> = [
      ['GET', '/events/25034104'],
      ['GET', '/events/25034104/export'],
      ['GET', '/events/search?room=25034104'],
      ['GET', '/sse'],
      ['GET', '/rooms'],
      ['POST', '/rooms', { room: 'douyin:646454278948' }],
      ['PATCH', '/rooms/25034104', { enabled: false }],
      ['DELETE', '/rooms/25034104'],
      ['POST', '/rooms/25034104/messages', { message: 'hi' }],
      ['GET', '/stats/paid'],
      ['GET', '/metrics'],
      ['GET', '/dashboard'],
      ['POST', '/upload', [giftEvent(1)]],
    ]
    for (const [method, path, body] of refused) {
      const res = await call(app, method, path, PASSWORD, body)
      expect(res.status, `${method} ${path}`).toBe(401)
    }
    // Nothing changed behind the refusals: the room is still there and enabled.
    const rooms = (await (await call(app, 'GET', '/rooms', AUTH_KEY)).json()) as { data: Array<{ id: string; enabled: boolean }> }
    expect(rooms.data.map((r) => [r.id, r.enabled])).toEqual([['bilibili:25034104', true]])
    expect((await call(app, 'GET', '/events/25034104', AUTH_KEY)).status).toBe(200)
  })
})

describe('/info and the bridge password in other set-ups', () => {
  test('with the bridge off, WEBSOCKET_BRIDGE_AUTH is no credential at all', async () => {
    const app = await startTestApp({ AUTH_KEY, WEBSOCKET_BRIDGE_AUTH: PASSWORD, ROOMS: '' })
    try {
      expect((await call(app, 'GET', '/info', PASSWORD)).status).toBe(401)
      expect((await call(app, 'GET', '/info', AUTH_KEY)).status).toBe(200)
    } finally {
      await app.stop()
    }
  }, HOOK_TIMEOUT_MS)

  test('with no AUTH_KEY, /info stays open (the bridge password is not required there)', async () => {
    const app = await startTestApp({ WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, ROOMS: '' })
    try {
      expect(await fetchInfo({ url: bridgeUrl(app) })).not.toBeNull()
      expect(await fetchInfo({ url: bridgeUrl(app), token: PASSWORD })).not.toBeNull()
    } finally {
      await app.stop()
    }
  }, HOOK_TIMEOUT_MS)
})
