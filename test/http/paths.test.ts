import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { LaplaceEventBridgeClient } from '@laplace.live/event-bridge-sdk'
import pino from 'pino'
import { startApp, type App } from '../../src/app'
import { parseEnv } from '../../src/config'
import { routePath } from '../../src/http/request-path'
import { HOOK_TIMEOUT_MS, bridgeUrl } from '../fanout/clients'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'

spyOn(console, 'log').mockImplementation(() => {})

const AUTH_KEY = 'paths-auth-1'
const UPLOAD_KEY = 'paths-upload-1'
const PASSWORD = 'paths-bridge-1'

/**
 * A request sent byte for byte as curl sends a pasted URL: fetch() could tidy the path on the way,
 * a socket cannot.
 */
function rawGet(app: App, target: string, key?: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(app.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (d) => (text += d))
    socket.on('error', reject)
    socket.on('end', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n', 2)
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body })
    })
    socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${key ? `Authorization: Bearer ${key}\r\n` : ''}Connection: close\r\n\r\n`)
  })
}

const req = (path: string) => new Request(`http://127.0.0.1:8080${path}`)

describe('routePath', () => {
  test('collapses doubled slashes and drops a trailing slash; / stays /', () => {
    expect(routePath(req('/'))).toBe('/')
    expect(routePath(req('//'))).toBe('/')
    expect(routePath(req('///'))).toBe('/')
    expect(routePath(req('/events/25034104/'))).toBe('/events/25034104')
    expect(routePath(req('//events/25034104'))).toBe('/events/25034104')
    expect(routePath(req('/events//25034104//'))).toBe('/events/25034104')
    expect(routePath(req('/info/'))).toBe('/info')
    expect(routePath(req('/events/tiktok:@some.user/'))).toBe('/events/tiktok:@some.user')
  })

  test('leaves clean paths and the query alone', () => {
    expect(routePath(req('/events/25034104'))).toBe('/events/25034104')
    expect(routePath(req('/events/25034104?full=1&next=//x/'))).toBe('/events/25034104')
    expect(routePath(req('/sse/?rooms=1'))).toBe('/sse')
  })
})

describe('paths a person pastes', () => {
  let app: App
  beforeAll(async () => {
    app = await startTestApp({ AUTH_KEY, UPLOAD_KEY, ROOMS: '25034104', WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD })
    // Recent times: /events/:room answers the last EVENTS_KEEP hours.
    const t = Date.now() - 1000
    const up = await fetch(`${app.url}/upload/`, {
      method: 'POST', headers: { authorization: `Bearer ${UPLOAD_KEY}` }, body: JSON.stringify([giftEvent(1, { id: 'path-gift-1', timestamp: t, timestampNormalized: t }), messageEvent(2, { id: 'path-msg-2', timestamp: t + 1, timestampNormalized: t + 1 })]),
    })
    expect(up.status).toBe(200)
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await app.stop()
  }, HOOK_TIMEOUT_MS)

  const ids = (body: string) => ((JSON.parse(body) as { data: Array<{ id: string }> }).data).map((e) => e.id)

  test('a trailing slash and a doubled slash reach the same route, with the query kept', async () => {
    const plain = await rawGet(app, '/events/25034104', AUTH_KEY)
    expect(plain.status).toBe(200)
    expect(ids(plain.body)).toEqual(['path-gift-1'])
    for (const target of ['/events/25034104/', '//events/25034104', '//events//25034104/']) {
      const res = await rawGet(app, target, AUTH_KEY)
      expect(res.status, target).toBe(200)
      expect(ids(res.body), target).toEqual(['path-gift-1'])
    }
    expect(ids((await rawGet(app, '/events/25034104/?full=1', AUTH_KEY)).body)).toEqual(['path-gift-1', 'path-msg-2'])
    const info = await rawGet(app, '/info/', AUTH_KEY)
    expect(info.status).toBe(200)
    expect((JSON.parse(info.body) as { data: { rooms: Array<{ roomId: number }> } }).data.rooms.map((r) => r.roomId)).toEqual([25034104])
  })

  test('the key check sees the same path: no slash trick gets past it, open paths stay open', async () => {
    for (const target of ['/events/25034104/', '//events/25034104', '/info/', '//rooms', '/dashboard/']) {
      expect((await rawGet(app, target)).status, target).toBe(401)
    }
    expect((await rawGet(app, '/ping/')).status).toBe(200)
    expect((await rawGet(app, '//ping')).status).toBe(200)
    // The bridge password opens /info however it is spelt, and nothing else.
    expect((await rawGet(app, '/info/', PASSWORD)).status).toBe(200)
    expect((await rawGet(app, '//events/25034104/', PASSWORD)).status).toBe(401)
  })

  test('GET / redirects to the dashboard, keeping ?token=', async () => {
    const root = await fetch(`${app.url}/`, { redirect: 'manual' })
    expect(root.status).toBe(302)
    expect(root.headers.get('location')).toBe('/dashboard')
    const withToken = await fetch(`${app.url}/?token=${AUTH_KEY}`, { redirect: 'manual' })
    expect(withToken.headers.get('location')).toBe(`/dashboard?token=${AUTH_KEY}`)
    expect((await rawGet(app, '//')).headers).toContain('location: /dashboard\r\n')
    const followed = await fetch(`${app.url}/?token=${AUTH_KEY}`)
    expect(followed.status).toBe(200)
    expect(new URL(followed.url).pathname).toBe('/dashboard')
    expect(followed.headers.get('content-type')).toStartWith('text/html')
    expect(await followed.text()).toContain('<html')
  })

  test('the bridge upgrades at a pasted // as at /; other paths are not the bridge', async () => {
    const open = (path: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`${bridgeUrl(app).replace(/\/$/, '')}${path}?token=${PASSWORD}`)
        ws.onmessage = (m) => {
          resolve((JSON.parse(String(m.data)) as { type: string }).type)
          ws.close()
        }
        ws.onerror = () => resolve('refused')
      })
    expect(await open('//')).toBe('established')
    expect(await open('/events')).toBe('refused')
  })

  test('the WebSocket bridge still upgrades at /', async () => {
    const client = new LaplaceEventBridgeClient({ url: bridgeUrl(app), token: PASSWORD, reconnect: false })
    await client.connect()
    try {
      expect(client.isConnectedToBridge()).toBe(true)
      const deadline = Date.now() + 5000
      while (client.getClientId() === null && Date.now() < deadline) await Bun.sleep(10)
      expect(client.getClientId()).toMatch(/^client-\d+$/)
    } finally {
      client.disconnect()
    }
  })
})

describe('start-up URLs', () => {
  async function startupLine(env: Record<string, string>): Promise<Record<string, unknown>> {
    const lines: string[] = []
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })
    const app = await startApp(parseEnv({ PORT: '0', HOST: '127.0.0.1', ROOMS: '', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', ...env }), {
      inMemoryDatabase: true, log: pino({ level: 'info' }, sink),
    })
    await app.stop()
    const started = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'lef started')
    if (!started) throw new Error(`no start-up line in ${lines.length} lines`)
    expect(started.url).toBe(app.url)
    return started
  }

  test('the "lef started" line names the dashboard, the docs and the bridge', async () => {
    const line = await startupLine({ WEBSOCKET_BRIDGE: 'true' })
    const base = String(line.url)
    expect(line.dashboard).toBe(`${base}/dashboard`)
    expect(line.docs).toBe(`${base}/docs`)
    expect(line.bridge).toBe(`${base.replace('http://', 'ws://')}/`)
  }, HOOK_TIMEOUT_MS)

  test('without the bridge, no bridge URL', async () => {
    const line = await startupLine({})
    expect(line.dashboard).toBe(`${String(line.url)}/dashboard`)
    expect(line).not.toHaveProperty('bridge')
  }, HOOK_TIMEOUT_MS)

  test('bun run demo prints the dashboard, docs and bridge URLs, and they answer', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'silent' }
    if (process.env.LEF_FIXTURES) env.LEF_FIXTURES = process.env.LEF_FIXTURES
    const proc = Bun.spawn(['bun', 'run', 'demo'], { cwd: `${import.meta.dir}/../..`, env, stdout: 'pipe', stderr: 'pipe' })
    try {
      const reader = proc.stdout.getReader()
      const decoder = new TextDecoder()
      let out = ''
      const deadline = Date.now() + 25_000
      while (!/bridge: .*\n/.test(out)) {
        if (Date.now() > deadline) throw new Error(`demo printed no URLs: ${out}`)
        const { done, value } = await reader.read()
        if (done) throw new Error(`demo ended early: ${out}${await new Response(proc.stderr).text()}`)
        out += decoder.decode(value, { stream: true })
      }
      reader.releaseLock()
      const field = (name: string) => new RegExp(`${name}:\\s+(\\S+)`).exec(out)?.[1]
      const dashboard = field('dashboard')
      const docs = field('API docs')
      const bridge = field('bridge')
      expect(dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard$/)
      const base = dashboard!.replace(/\/dashboard$/, '')
      expect(docs).toBe(`${base}/docs`)
      expect(bridge).toBe(`${base.replace('http://', 'ws://')}/`)
      expect((await fetch(dashboard!)).status).toBe(200)
      expect((await fetch(docs!)).status).toBe(200)
      const ws = new WebSocket(bridge!)
      const first = await new Promise<string>((resolve, reject) => {
        ws.onmessage = (m) => resolve(String(m.data))
        ws.onerror = () => reject(new Error('bridge did not open'))
      })
      ws.close()
      expect(JSON.parse(first)).toMatchObject({ type: 'established' })
    } finally {
      proc.kill('SIGINT')
      await proc.exited
    }
  }, HOOK_TIMEOUT_MS)
})
