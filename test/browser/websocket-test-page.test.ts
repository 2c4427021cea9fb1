import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { REPO_ROOT } from '../fixtures'
import { HOOK_TIMEOUT_MS, upload } from '../fanout/clients'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const PASSWORD = 'bridge-secret-6'
const UPLOAD_KEY = 'upload-key-6'
const SCREENSHOT = join(REPO_ROOT, 'test-output', 'websocket-test.png')

describe('websocket-test.html in headless Chromium', () => {
  let app: App
  let browser: Browser

  beforeAll(async () => {
    // CI installs Chromium; a missing browser must fail loudly, never skip.
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`)
    app = await startTestApp({ WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, UPLOAD_KEY, AUTH_KEY: 'rest-key-6', BRIDGE_PING_INTERVAL: '500' })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
  }, HOOK_TIMEOUT_MS)

  test('the page is served on an open path', async () => {
    const res = await fetch(`${app.url}/websocket-test.html`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(await res.text()).toContain('<title>lef — WebSocket bridge test</title>')
  })

  test('connects to a running lef and renders uploaded events by kind', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } })
    const problems: string[] = []
    page.on('pageerror', (err) => problems.push(err.message))
    await page.goto(`${app.url}/websocket-test.html?token=${PASSWORD}&autoconnect=1`)
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 10_000 })
    expect(await page.textContent('#meta')).toMatch(/client-\d+ · protocol 4\.1\.0/)

    await upload(app, UPLOAD_KEY, [
      messageEvent(1, { id: 'page-msg-1', message: '主播晚上好 <b>not bold</b>' }),
      giftEvent(2, { id: 'page-gift-2', giftAmount: 5 }),
      giftEvent(3, { id: 'page-sc-3', type: 'superchat', message: '加油！', price: 30, priceNormalized: 30 }),
      giftEvent(4, {
        id: 'page-toast-4', type: 'toast', toastName: '舰长', toastAmount: 1, toastAmountUnit: '月', price: 198000, priceNormalized: 198,
      }),
      giftEvent(5, { id: 'dy:page-gift-5', platform: 'douyin', room: '646454278948', origin: 646454278948, giftName: '小心心', price: 1, priceNormalized: 0.1 }),
      // A TikTok gift as lef prices it now: priceNormalized in CNY, the USD amount beside it.
      giftEvent(6, {
        id: 'tt:page-gift-6', platform: 'tiktok', room: 'someone', giftName: 'Rose', price: 100,
        priceNormalized: 9.443, currency: 'CNY', priceOriginal: 1.33, currencyOriginal: 'USD',
      }),
    ])
    await page.waitForFunction(() => document.querySelectorAll('#list li:not(.system)').length === 6, null, { timeout: 10_000 })

    const text = (sel: string) => page.locator(sel).first().innerText()
    expect(await text('#list li.message')).toContain('主播晚上好 <b>not bold</b>')
    expect(await page.locator('#list li.message b').count()).toBe(0)
    const gifts = await page.locator('#list li.gift').allInnerTexts()
    expect(gifts).toHaveLength(3)
    expect(gifts[0]).toContain('tiktok:someone')
    expect(gifts[0]).toContain('¥9.44')
    expect(gifts[2]).toContain('投喂 小花花 ×5')
    expect(gifts[2]).toContain('¥3.00')
    expect(gifts[1]).toContain('douyin:646454278948')
    expect(gifts[1]).toContain('¥0.10')
    expect(await text('#list li.superchat')).toContain('加油！')
    expect(await text('#list li.superchat .price')).toBe('¥30.00')
    expect(await text('#list li.toast')).toContain('舰长')
    expect(await text('#list li.toast .price')).toBe('¥198.00')
    expect(await page.locator('#counters').innerText()).toContain('events 6')

    mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    expect(existsSync(SCREENSHOT)).toBe(true)
    expect(problems).toEqual([])
    await page.close()
  }, 30_000)

  test('a wrong password shows the reconnecting state with backoff', async () => {
    const page = await browser.newPage()
    await page.goto(`${app.url}/websocket-test.html?token=wrong&autoconnect=1`)
    await page.waitForSelector('#state[data-state="reconnecting"]', { timeout: 10_000 })
    expect(await page.textContent('#state')).toMatch(/reconnecting · in \d+s \(attempt 1\)/)
    await page.click('#disconnect')
    expect(await page.getAttribute('#state', 'data-state')).toBe('disconnected')
    await page.close()
  }, 20_000)
})
