import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { HOOK_TIMEOUT_MS } from '../fanout/clients'
import { startTestApp } from '../support/app'
import { giftEvent } from '../support/events'

const AUTH_KEY = 'cors-auth-1'
const UPLOAD_KEY = 'cors-upload-1'
const PAGE = 'https://chat.example'

/** What Chromium sends before a cross-origin request with an Authorization header. */
function preflight(app: App, path: string, method = 'GET', headers = 'authorization', origin = PAGE) {
  return fetch(`${app.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  })
}

function get(app: App, path: string, key?: string, origin = PAGE) {
  return fetch(`${app.url}${path}`, { headers: { origin, ...(key ? { authorization: `Bearer ${key}` } : {}) } })
}

const listOf = (h: string | null) => (h ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')

describe('CORS with the default CORS_ORIGINS (*) and AUTH_KEY set', () => {
  let app: App

  beforeAll(async () => {
    app = await startTestApp({ AUTH_KEY, UPLOAD_KEY, ROOMS: '25034104', WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: 'bridge-pw' })
    const up = await fetch(`${app.url}/upload`, { method: 'POST', headers: { authorization: `Bearer ${UPLOAD_KEY}` }, body: JSON.stringify([giftEvent(1, { id: 'cors-gift-1' })]) })
    expect(up.status).toBe(200)
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await app.stop()
  }, HOOK_TIMEOUT_MS)

  const browserPaths = [
    ['/events/25034104', 'GET'], ['/events/25034104/export', 'GET'], ['/events/search', 'GET'], ['/info', 'GET'], ['/ping', 'GET'],
    ['/sse', 'GET'], ['/upload', 'POST'], ['/rooms', 'POST'], ['/rooms/25034104', 'PATCH'], ['/rooms/25034104', 'DELETE'],
    ['/rooms/25034104/messages', 'POST'], ['/stats/paid', 'GET'], ['/stats/activity', 'GET'], ['/metrics', 'GET'], ['/no-such-route', 'GET'],
  ] as const
  for (const [path, method] of browserPaths) {
    test(`preflight ${method} ${path}: 204 without any key, the key and JSON headers allowed`, async () => {
      const res = await preflight(app, path, method, 'authorization,content-type,last-event-id')
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      expect(listOf(res.headers.get('access-control-allow-methods'))).toContain(method.toLowerCase())
      const allowed = listOf(res.headers.get('access-control-allow-headers'))
      for (const h of ['authorization', 'content-type', 'last-event-id', 'content-encoding']) expect(allowed).toContain(h)
      expect(await res.text()).toBe('')
    })
  }

  test('200 answers carry the headers, with the export file name exposed', async () => {
    for (const path of ['/events/25034104', '/info', '/rooms', '/stats/paid', '/events/search?room=25034104', '/metrics']) {
      const res = await get(app, path, AUTH_KEY)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*')
    }
    const ping = await get(app, '/ping')
    expect(ping.status).toBe(200)
    expect(ping.headers.get('access-control-allow-origin')).toBe('*')
    const exp = await get(app, '/events/25034104/export?format=csv', AUTH_KEY)
    expect(exp.status).toBe(200)
    expect(exp.headers.get('access-control-allow-origin')).toBe('*')
    expect(listOf(exp.headers.get('access-control-expose-headers'))).toContain('content-disposition')
    expect(exp.headers.get('content-disposition')).toContain('attachment')
    expect(await exp.text()).toContain('cors-gift-1')
  })

  test('refusals carry the headers too, so a browser script can read why (401, 400, 404)', async () => {
    const cases: Array<[string, string | undefined, number]> = [
      ['/events/25034104', undefined, 401],
      ['/events/25034104', 'wrong-key', 401],
      ['/sse', undefined, 401],
      ['/rooms', undefined, 401],
      ['/events/not-a-room!', AUTH_KEY, 400],
      ['/no-such-route', AUTH_KEY, 404],
      ['/rooms/douyin:1', AUTH_KEY, 404],
    ]
    for (const [path, key, status] of cases) {
      const res = await get(app, path, key)
      expect(res.status, path).toBe(status)
      expect(res.headers.get('access-control-allow-origin'), `${path} ${status}`).toBe('*')
      const body = (await res.json()) as { success: boolean; message: string }
      expect(body.success).toBe(false)
      expect(body.message.length).toBeGreaterThan(0)
    }
  })

  test('uploads: a wrong key is a readable 401', async () => {
    const res = await fetch(`${app.url}/upload`, { method: 'POST', headers: { origin: PAGE, authorization: 'Bearer nope' }, body: '[]' })
    expect(res.status).toBe(401)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })

  test('the SSE stream (an extra route of app.ts) carries the headers on its 200', async () => {
    const ctl = new AbortController()
    const res = await fetch(`${app.url}/sse?token=${AUTH_KEY}`, { headers: { origin: PAGE }, signal: ctl.signal })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/event-stream')
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    ctl.abort()
  })

  test('the bridge test page (an extra route of app.ts) carries them as well', async () => {
    const res = await get(app, '/websocket-test.html')
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })
})

describe('CORS without AUTH_KEY', () => {
  let app: App
  beforeAll(async () => {
    app = await startTestApp({ ROOMS: '25034104' })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await app.stop()
  }, HOOK_TIMEOUT_MS)

  test('preflights are 204 and reads carry the headers; /upload with no UPLOAD_KEY is a readable 403', async () => {
    const pre = await preflight(app, '/events/25034104')
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    const res = await get(app, '/events/25034104')
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    const up = await fetch(`${app.url}/upload`, { method: 'POST', headers: { origin: PAGE }, body: '[]' })
    expect(up.status).toBe(403)
    expect(up.headers.get('access-control-allow-origin')).toBe('*')
  })
})

describe('CORS_ORIGINS=off', () => {
  let app: App
  beforeAll(async () => {
    app = await startTestApp({ AUTH_KEY, ROOMS: '25034104', CORS_ORIGINS: 'off' })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await app.stop()
  }, HOOK_TIMEOUT_MS)

  test('no Access-Control header on any answer; a preflight is not answered as one', async () => {
    const pre = await preflight(app, '/events/25034104')
    expect(pre.status).not.toBe(204)
    for (const res of [pre, await get(app, '/events/25034104', AUTH_KEY), await get(app, '/events/25034104'), await get(app, '/ping')]) {
      const cors = [...res.headers.keys()].filter((k) => k.startsWith('access-control-'))
      expect(cors).toEqual([])
    }
  })
})

describe('CORS_ORIGINS as a list', () => {
  let app: App
  beforeAll(async () => {
    app = await startTestApp({ AUTH_KEY, ROOMS: '25034104', CORS_ORIGINS: 'https://chat.example/,http://localhost:5173' })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await app.stop()
  }, HOOK_TIMEOUT_MS)

  test('a listed origin is echoed back, with Vary: Origin for caches', async () => {
    for (const origin of ['https://chat.example', 'http://localhost:5173']) {
      const pre = await preflight(app, '/info', 'GET', 'authorization', origin)
      expect(pre.status).toBe(204)
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin)
      const res = await get(app, '/info', AUTH_KEY, origin)
      expect(res.status).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe(origin)
      expect(listOf(res.headers.get('vary'))).toContain('origin')
    }
  })

  test('any other origin gets no Access-Control-Allow-Origin, so its browser blocks the read', async () => {
    for (const origin of ['https://evil.example', 'http://localhost:5174', 'https://chat.example.evil.example']) {
      const pre = await preflight(app, '/info', 'GET', 'authorization', origin)
      expect(pre.headers.get('access-control-allow-origin')).toBeNull()
      const res = await get(app, '/info', AUTH_KEY, origin)
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    }
  })
})
