import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import type { Server } from 'bun'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { App } from '../../src/app'
import { HOOK_TIMEOUT_MS, upload } from '../fanout/clients'
import { startTestApp } from '../support/app'
import { giftEvent } from '../support/events'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const AUTH_KEY = 'cross-origin-auth-1'
const PASSWORD = 'cross-origin-bridge-1'
const UPLOAD_KEY = 'cross-origin-upload-1'

/** The SDK as a browser loads it: its package entry bundled for the browser, the way a web app ships it. */
async function sdkBundle(): Promise<string> {
  const entry = Bun.resolveSync('@laplace.live/event-bridge-sdk', import.meta.dir)
  const built = await Bun.build({ entrypoints: [entry], target: 'browser', format: 'esm' })
  if (!built.success || !built.outputs[0]) throw new Error(`SDK bundle failed: ${built.logs.join('\n')}`)
  return built.outputs[0].text()
}

/** A web app on its own origin (another port): a blank page and the bundled SDK. */
function startPageServer(sdk: string): Server<undefined> {
  return Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (req) => {
      const path = new URL(req.url).pathname
      if (path === '/sdk.js') return new Response(sdk, { headers: { 'content-type': 'text/javascript; charset=utf-8' } })
      if (path === '/') return new Response('<!doctype html><html><head><title>other origin</title></head><body>client</body></html>', { headers: { 'content-type': 'text/html; charset=utf-8' } })
      return new Response('not found', { status: 404 })
    },
  })
}

const recent = (n: number, id: string) => {
  const t = Date.now() - 1000 + n
  return giftEvent(n, { id, timestamp: t, timestampNormalized: t })
}

describe('browser clients on another origin (headless Chromium)', () => {
  let app: App
  let narrow: App
  let site: Server<undefined>
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    // CI installs Chromium; a missing browser must fail loudly, never skip.
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`)
    app = await startTestApp({ AUTH_KEY, UPLOAD_KEY, WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, ROOMS: '25034104' })
    // Only some other origin may read this one: the browser must refuse the page.
    narrow = await startTestApp({ AUTH_KEY, ROOMS: '25034104', CORS_ORIGINS: 'https://chat.example' })
    await upload(app, UPLOAD_KEY, [recent(1, 'xo-gift-1')])
    site = startPageServer(await sdkBundle())
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    })
    page = await browser.newPage()
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
    await page.goto(`http://127.0.0.1:${site.port}/`)
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await browser?.close()
    await site?.stop(true)
    await app?.stop()
    await narrow?.stop()
  }, HOOK_TIMEOUT_MS)

  test('the page really is on another origin than lef', async () => {
    const origin = await page.evaluate(() => location.origin)
    expect(origin).toBe(`http://127.0.0.1:${site.port}`)
    expect(new URL(app.url).origin).not.toBe(origin)
  })

  test('fetch of /events/<room> with a Bearer key, /info, /ping, and a readable 401', async () => {
    const got = await page.evaluate(async ({ base, key }) => {
      const auth = { Authorization: `Bearer ${key}` }
      const events = await fetch(`${base}/events/25034104/`, { headers: auth })
      const info = await fetch(`${base}/info`, { headers: auth })
      const ping = await fetch(`${base}/ping`)
      const refused = await fetch(`${base}/events/25034104`)
      return {
        events: { status: events.status, ids: ((await events.json()) as { data: Array<{ id: string }> }).data.map((e) => e.id) },
        info: { status: info.status, rooms: ((await info.json()) as { data: { rooms: Array<{ roomId: number }> } }).data.rooms.map((r) => r.roomId) },
        ping: { status: ping.status, message: ((await ping.json()) as { data: { message: string } }).data.message },
        refused: { status: refused.status, message: ((await refused.json()) as { message: string }).message },
      }
    }, { base: app.url, key: AUTH_KEY })
    expect(got.events).toEqual({ status: 200, ids: ['xo-gift-1'] })
    expect(got.info).toEqual({ status: 200, rooms: [25034104] })
    expect(got.ping).toEqual({ status: 200, message: 'pong' })
    expect(got.refused.status).toBe(401)
    expect(got.refused.message).toMatch(/Missing key/)
  })

  test('a POST /upload with JSON and a Bearer key, then the export with its file name', async () => {
    const got = await page.evaluate(async ({ base, uploadKey, key, event }) => {
      const up = await fetch(`${base}/upload`, {
        method: 'POST', headers: { Authorization: `Bearer ${uploadKey}`, 'Content-Type': 'application/json' }, body: JSON.stringify([event]),
      })
      const exp = await fetch(`${base}/events/25034104/export?format=ndjson`, { headers: { Authorization: `Bearer ${key}` } })
      return {
        upload: { status: up.status, data: ((await up.json()) as { data: unknown }).data },
        export: { status: exp.status, disposition: exp.headers.get('content-disposition'), ids: (await exp.text()).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id) },
      }
    }, { base: app.url, uploadKey: UPLOAD_KEY, key: AUTH_KEY, event: recent(2, 'xo-gift-2') })
    expect(got.upload).toEqual({ status: 200, data: { received: 1, inserted: 1, duplicates: 0 } })
    expect(got.export.status).toBe(200)
    expect(got.export.disposition).toMatch(/^attachment; filename=/)
    expect(got.export.ids).toEqual(['xo-gift-1', 'xo-gift-2'])
  })

  test('EventSource on /sse?token= receives a live event with its id', async () => {
    await page.evaluate(({ base, key }) => {
      const w = window as unknown as { sse: { open: boolean; gifts: Array<{ lastEventId: string; id: string }>; errors: number } }
      w.sse = { open: false, gifts: [], errors: 0 }
      const es = new EventSource(`${base}/sse?token=${key}&types=gift`)
      es.onopen = () => (w.sse.open = true)
      es.onerror = () => w.sse.errors++
      es.addEventListener('gift', (e) => w.sse.gifts.push({ lastEventId: (e as MessageEvent).lastEventId, id: (JSON.parse((e as MessageEvent).data) as { id: string }).id }))
    }, { base: app.url, key: AUTH_KEY })
    await page.waitForFunction(() => (window as unknown as { sse: { open: boolean } }).sse.open, null, { timeout: 10_000 })
    await upload(app, UPLOAD_KEY, [recent(3, 'xo-gift-3')])
    await page.waitForFunction(() => (window as unknown as { sse: { gifts: unknown[] } }).sse.gifts.length > 0, null, { timeout: 10_000 })
    const sse = await page.evaluate(() => (window as unknown as { sse: unknown }).sse)
    expect(sse).toEqual({ open: true, gifts: [{ lastEventId: 'xo-gift-3', id: 'xo-gift-3' }], errors: 0 })
  })

  test("the real SDK's fetchInfo() and getInfo() with the bridge password, and its live events", async () => {
    // A context of its own: /info may be cached for a few seconds, and an answer cached for the
    // AUTH_KEY requests above must not stand in for the bridge password's.
    const context = await browser.newContext()
    const sdkPage = await context.newPage()
    sdkPage.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
    await sdkPage.goto(`http://127.0.0.1:${site.port}/`)
    const got = await sdkPage.evaluate(async ({ ws, password }) => {
      const sdk = (await import('/sdk.js' as string)) as typeof import('@laplace.live/event-bridge-sdk')
      const wrong = await sdk.fetchInfo({ url: ws, token: 'not-the-password' })
      const info = await sdk.fetchInfo({ url: ws, token: password })
      const client = new sdk.LaplaceEventBridgeClient({ url: ws, token: password, reconnect: false })
      const w = window as unknown as { bridgeGifts: string[]; client: unknown }
      w.bridgeGifts = []
      w.client = client
      client.on('gift', (g) => w.bridgeGifts.push(g.id))
      await client.connect()
      const viaClient = await client.getInfo()
      return {
        wrong,
        info: info && { bridge: info.websocketBridge, rooms: info.rooms.map((r) => r.roomId) },
        viaClient: viaClient && { bridge: viaClient.websocketBridge, rooms: viaClient.rooms.map((r) => r.roomId) },
      }
    }, { ws: app.url.replace('http://', 'ws://'), password: PASSWORD })
    expect(got.wrong).toBeNull()
    expect(got.info).toEqual({ bridge: true, rooms: [25034104] })
    expect(got.viaClient).toEqual({ bridge: true, rooms: [25034104] })
    expect(app.bridge?.clientCount).toBe(1)

    await upload(app, UPLOAD_KEY, [recent(4, 'xo-gift-4')])
    await sdkPage.waitForFunction(() => (window as unknown as { bridgeGifts: string[] }).bridgeGifts.length > 0, null, { timeout: 10_000 })
    expect(await sdkPage.evaluate(() => (window as unknown as { bridgeGifts: string[] }).bridgeGifts)).toEqual(['xo-gift-4'])
    await sdkPage.evaluate(() => (window as unknown as { client: { disconnect(): void } }).client.disconnect())
    await context.close()
  })

  test('an origin outside CORS_ORIGINS is refused by the browser (the same requests fail)', async () => {
    const got = await page.evaluate(async ({ base, key }) => {
      const attempt = async (path: string) => {
        try {
          const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}` } })
          return `status ${res.status}`
        } catch (err) {
          return (err as Error).name
        }
      }
      return [await attempt('/events/25034104'), await attempt('/info'), await attempt('/ping')]
    }, { base: narrow.url, key: AUTH_KEY })
    expect(got).toEqual(['TypeError', 'TypeError', 'TypeError'])
    // lef itself answered: the refusal is the browser's, for want of the header.
    expect((await fetch(`${narrow.url}/info`, { headers: { authorization: `Bearer ${AUTH_KEY}` } })).status).toBe(200)
  })

  test('no page errors', () => {
    expect(problems).toEqual([])
  })
})
