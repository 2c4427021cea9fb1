import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const AUTH_KEY = 'docs-auth-key-7'
const SCREENSHOT = join(tmpdir(), 'lef-docs-offline.png')
const SCREENSHOT_TRY = join(tmpdir(), 'lef-docs-try-it-out.png')

const isLoopback = (url: string) => {
  const { protocol, hostname } = new URL(url)
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]'
}

describe('/docs in headless Chromium with no internet', () => {
  let app: App
  let browser: Browser

  beforeAll(async () => {
    // CI installs Chromium; a missing browser must fail loudly, never skip.
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`)
    app = await startTestApp({ AUTH_KEY, UPLOAD_KEY: 'docs-upload-key-7' })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    })
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  })

  test('the page and its assets are open and come from lef; the CSP allows nothing else', async () => {
    const page = await fetch(`${app.url}/docs`)
    expect(page.status).toBe(200)
    const html = await page.text()
    const csp = page.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("connect-src 'self'")
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(refs.length).toBe(3)
    for (const ref of refs) {
      expect(ref.startsWith('/docs/')).toBe(true)
      const res = await fetch(`${app.url}${ref}`)
      expect(res.status).toBe(200)
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0)
    }
    // Compressed when the client takes gzip, byte for byte the package's file either way.
    const file = await Bun.file(new URL('../../node_modules/swagger-ui-dist/swagger-ui-bundle.js', import.meta.url)).bytes()
    const gz = await fetch(`${app.url}/docs/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'gzip' }, decompress: false })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    const gzBody = new Uint8Array(await gz.arrayBuffer())
    expect(gzBody.byteLength).toBeLessThan(file.byteLength / 2)
    expect(Bun.gunzipSync(gzBody)).toEqual(file)
    const plain = await fetch(`${app.url}/docs/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'identity' } })
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(new Uint8Array(await plain.arrayBuffer())).toEqual(file)
    // The bundle is swagger-ui-dist's own file, at the version the lockfile pins.
    const pinned = (await Bun.file(new URL('../../package.json', import.meta.url)).json()).dependencies['swagger-ui-dist'] as string
    expect(refs[0]).toContain(`?v=${pinned}`)
  })

  test('/openapi.json: every operation has a tag; guarded ones need AUTH_KEY, /upload UPLOAD_KEY, /ping nothing', async () => {
    type Op = { tags?: string[]; security?: Array<Record<string, string[]>> }
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as {
      tags: Array<{ name: string }>
      paths: Record<string, Record<string, Op>>
      components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> }
    }
    expect(doc.components.securitySchemes.AUTH_KEY).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.components.securitySchemes.token).toMatchObject({ type: 'apiKey', in: 'query', name: 'token' })
    expect(doc.components.securitySchemes.UPLOAD_KEY).toMatchObject({ type: 'http', scheme: 'bearer' })
    const tagNames = doc.tags.map((t) => t.name)
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(`${method} ${path} ${op.tags?.length}`).toBe(`${method} ${path} 1`)
        expect(tagNames).toContain(op.tags![0]!)
        const schemes = op.security!.flatMap((r) => Object.keys(r)).sort()
        const want = path === '/ping' ? [] : path === '/upload' ? ['UPLOAD_KEY'] : ['AUTH_KEY', 'token']
        expect(`${method} ${path} ${schemes.join(',')}`).toBe(`${method} ${path} ${want.join(',')}`)
        // The document agrees with the guard: a declared AUTH_KEY means 401 without it.
        if (want.includes('AUTH_KEY') && method === 'get' && !path.includes('{')) expect((await fetch(`${app.url}${path}`)).status).toBe(401)
      }
    }
    expect(doc.paths['/info']!.get!.tags).toEqual(['Rooms'])
  })

  test('renders the operations grouped by tag and Authorize makes "Try it out" pass AUTH_KEY; no request leaves loopback', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const external: string[] = []
    const requested: string[] = []
    await context.route('**/*', (route) => {
      const url = route.request().url()
      requested.push(url)
      if (isLoopback(url)) return route.continue()
      external.push(url)
      return route.abort('internetdisconnected')
    })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of 401/.test(msg.text())) problems.push(msg.text())
    })

    await page.goto(`${app.url}/docs`)
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 })
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('lef')
    const tags = await page.locator('.opblock-tag-section h3 .nostyle span').allInnerTexts()
    expect(tags).toEqual(['Events', 'Live', 'Rooms', 'Stats', 'Health'])
    expect(await page.locator('.opblock-summary-path[data-path="/events/{room}"]').count()).toBe(1)
    expect(await page.locator('.opblock-summary-path[data-path="/info"]').count()).toBe(1)
    const authorize = page.locator('.scheme-container button.authorize')
    expect(await authorize.isVisible()).toBe(true)
    await page.screenshot({ path: SCREENSHOT })

    // Without a key the call is refused...
    const info = page.locator('.opblock', { has: page.locator('.opblock-summary-path[data-path="/info"]') })
    await info.locator('.opblock-summary').click()
    await info.locator('button.try-out__btn').click()
    await info.locator('button.execute').click()
    const status = info.locator('.live-responses-table .response .response-col_status').first()
    await expect(status.innerText()).resolves.toMatch(/401/)

    // ...and after Authorize with AUTH_KEY, the same call answers 200.
    await authorize.click()
    const bearer = page.locator('.auth-container', { hasText: 'AUTH_KEY (http, Bearer)' })
    await bearer.locator('input').fill(AUTH_KEY)
    await bearer.locator('button.authorize').click()
    await expect(bearer.innerText()).resolves.toContain('Authorized')
    await page.locator('.modal-ux button.close-modal').click()
    await info.locator('button.btn-clear').click().catch(() => {})
    await info.locator('button.execute').click()
    await page.waitForFunction(
      () => /200/.test(document.querySelector('.opblock-get .live-responses-table .response .response-col_status')?.textContent ?? ''),
      null,
      { timeout: 10_000 },
    )
    expect(await info.locator('.request-url, .curl-command').first().innerText()).toContain('/info')

    await page.screenshot({ path: SCREENSHOT_TRY })
    expect(existsSync(SCREENSHOT)).toBe(true)
    expect(requested.some((u) => u.includes('/docs/swagger-ui-bundle.js'))).toBe(true)
    expect(external).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  }, 60_000)
})
