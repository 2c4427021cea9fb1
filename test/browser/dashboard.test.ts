import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { App } from '../../src/app'
import { parseEnv } from '../../src/config'
import type { Platform, RoomKey } from '../../src/events'
import { ConnectorError, type Connector, type SessionEnd } from '../../src/platforms/connector'
import { createConnectors } from '../../src/platforms/connectors'
import { HOOK_TIMEOUT_MS } from '../fanout/clients'
import { REPO_ROOT } from '../fixtures'
import { dashboardTraffic } from '../operator/dashboard-data'
import { api, bearer, startNode } from '../operator/support'
import { startTikTokSim, type TikTokSim } from '../sim/tiktok/sim'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const KEY = 'dash-key-1'
const UPLOAD = 'dash-upload-1'
const OUT = join(REPO_ROOT, 'test-output')

/** Rooms that "connect" at once with their streamer's name; room 1234 does not exist (NOT_FOUND, retried). */
function fakeConnector(platform: Platform, names: Record<string, string>): Connector {
  return {
    platform,
    idleTimeoutMs: 600_000,
    session: (room: RoomKey, hooks, signal) =>
      new Promise<SessionEnd>((resolve, reject) => {
        if (room.key === '1234') return reject(new ConnectorError('NOT_FOUND', `bilibili room ${room.key} does not exist`))
        hooks.update({ phase: 'connecting', info: { roomId: room.key, username: names[room.key] ?? room.key, live: true, title: '' } })
        hooks.update({ phase: 'connected' })
        signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true })
      }),
  }
}

const cellTexts = (page: Page, selector: string) => page.locator(selector).allInnerTexts()

describe('dashboard in headless Chromium', () => {
  let sim: TikTokSim
  let app: App
  let browser: Browser
  let page: Page
  const problems: string[] = []
  const traffic = dashboardTraffic(Date.now())

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`)
    mkdirSync(OUT, { recursive: true })
    sim = startTikTokSim()
    const env = {
      AUTH_KEY: KEY, UPLOAD_KEY: UPLOAD, RESTART_WAIT: '100',
      ROOMS: '25034104,douyin:646454278948,tiktok:@sim_host,1234',
      TIKTOK_WEB_BASE: sim.webBase, TIKTOK_WEBCAST_BASE: sim.webcastBase, TIKTOK_SIGN_SERVER: sim.signServer,
    }
    app = await startNode(env, {
      bilibili: fakeConnector('bilibili', { '25034104': '明前奶绿' }),
      douyin: fakeConnector('douyin', { '646454278948': '抖音小助手' }),
      tiktok: createConnectors(parseEnv(env)).tiktok,
    })
    await api(app, 'PATCH', '/rooms/25034104', { label: '奶绿的直播间' }, KEY)
    await api(app, 'PATCH', '/rooms/tiktok:sim_host', { label: 'Sim Host (TikTok)' }, KEY)
    await api(app, 'POST', '/rooms', { room: 'douyin:80017709309', label: 'paused channel', enabled: false }, KEY)
    const up = await fetch(`${app.url}/upload`, { method: 'POST', headers: bearer(UPLOAD), body: JSON.stringify(traffic.events) })
    expect(up.status).toBe(200)
    const until = Date.now() + 5000
    while (app.rooms.get({ platform: 'tiktok', key: 'sim_host' })?.status.state !== 'connected' || (app.rooms.get({ platform: 'bilibili', key: '1234' })?.status.reconnects ?? 0) < 1) {
      if (Date.now() > until) throw new Error('rooms did not settle')
      await Bun.sleep(20)
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`)
    })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await browser?.close()
    await app?.stop()
    await sim?.close()
  }, HOOK_TIMEOUT_MS)

  test('the page needs the key, and ships a strict CSP', async () => {
    expect((await fetch(`${app.url}/dashboard`)).status).toBe(401)
    const res = await fetch(`${app.url}/dashboard?token=${KEY}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toStartWith("default-src 'none'; script-src 'sha256-")
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })

  test('rooms view: every room with platform, live and connection state, last event, events/min and reconnects', async () => {
    await page.goto(`${app.url}/dashboard?token=${KEY}#rooms`)
    await page.waitForSelector('body[data-loaded="rooms"]')
    await page.screenshot({ path: join(OUT, 'dashboard-rooms.png'), fullPage: true })
    const row = (id: string) => page.locator(`#rooms-table tr[data-room="${id}"] td`).allInnerTexts()
    const bili = await row('bilibili:25034104')
    expect(bili.slice(0, 5)).toEqual(['奶绿的直播间\nbilibili:25034104', 'bilibili', 'live', 'connected', 'this node'])
    expect(bili[5]).toMatch(/^\d+ s ago$/)
    // 24 chat messages in the last 4 minutes, over a 5-minute window.
    expect(bili[6]).toBe('4.8')
    expect(bili[7]).toBe('0')
    const tiktok = await row('tiktok:sim_host')
    expect(tiktok.slice(1, 4)).toEqual(['tiktok', 'live', 'connected'])
    const broken = await row('bilibili:1234')
    expect(broken[3]).toBe('backoff')
    expect(Number(broken[7])).toBeGreaterThanOrEqual(1)
    expect(broken[8]).toBe('NOT_FOUND: bilibili room 1234 does not exist')
    const paused = await row('douyin:80017709309')
    expect(paused.slice(0, 5)).toEqual(['paused channel\ndouyin:80017709309', 'douyin', '—', 'disabled', '—'])
    expect(await page.locator('#rooms-table tbody tr').count()).toBe(5)
  })

  test('live feed: events from a connector, an upload and an operator message appear as they happen', async () => {
    await page.goto(`${app.url}/dashboard?token=${KEY}#live`)
    await page.waitForSelector('#live-state.ok')
    sim.pushGift({ giftId: 5655, name: 'Rose', type: 1, coins: 1, repeatCount: 3, repeatEnd: true, groupId: '42' })
    sim.pushChat('hello from the sim')
    await api(app, 'POST', '/rooms/25034104/messages', { message: '今晚八点开播', username: 'lef operator' }, KEY)
    await fetch(`${app.url}/upload`, {
      method: 'POST', headers: bearer(UPLOAD),
      body: JSON.stringify({ ...traffic.events.find((e) => e.type === 'superchat'), id: 'live-sc-1', message: '超级喜欢这首歌', timestamp: Date.now(), timestampNormalized: Date.now() }),
    })
    await page.waitForFunction(() => document.querySelectorAll('#live-table tbody tr').length >= 4)
    await page.screenshot({ path: join(OUT, 'dashboard-live.png'), fullPage: true })
    const contents = await cellTexts(page, '#live-table tbody td.content')
    expect(contents).toContain('hello from the sim')
    expect(contents).toContain('Rose × 3')
    expect(contents).toContain('今晚八点开播')
    expect(contents).toContain('超级喜欢这首歌')
    const sc = await page.locator('#live-table tbody tr[data-id="live-sc-1"] td').allInnerTexts()
    expect(sc.slice(1)).toEqual(['奶绿的直播间', 'superchat', sc[3]!, '超级喜欢这首歌', '¥30.00'])
  })

  test('paid view: totals per room per day and a 72-hour chart per currency', async () => {
    await page.goto(`${app.url}/dashboard?token=${KEY}#paid`)
    await page.waitForSelector('body[data-loaded="paid"]')
    await page.screenshot({ path: join(OUT, 'dashboard-paid.png'), fullPage: true })
    const paidSc = 30 // the live superchat uploaded by the previous test
    const cny = traffic.totals['bilibili:25034104']! + paidSc + traffic.totals['douyin:646454278948']!
    const money = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    expect(await page.locator('.chart[data-currency="CNY"] h4').innerText()).toBe(`CNY per hour · total ¥${money(cny)}`)
    // The sim's Rose streak (3 coins) arrived live as well.
    const usd = traffic.totals['tiktok:sim_host']! + 3 * 0.0133
    expect(await page.locator('.chart[data-currency="USD"] h4').innerText()).toBe(`USD per hour · total $${money(usd)}`)
    expect(await page.locator('.chart[data-currency="CNY"] rect').count()).toBeGreaterThan(20)
    // Per room per day: the table sums to the same totals.
    const rows = await page.locator('#paid-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
    const biliSum = rows.filter((r) => r[1] === '奶绿的直播间').reduce((a, r) => a + Number(r[3]!.replace(/[¥,]/g, '')), 0)
    expect(biliSum).toBeCloseTo(traffic.totals['bilibili:25034104']! + paidSc, 2)
    expect(rows.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r[0]!))).toBe(true)
  })

  test('search view: by room, type, user and text', async () => {
    await page.goto(`${app.url}/dashboard?token=${KEY}#search`)
    await page.waitForSelector('body[data-loaded="search"]')
    await page.selectOption('select[name=room]', 'bilibili:25034104')
    await page.selectOption('select[name=types]', 'superchat')
    await page.fill('input[name=text]', '状态')
    await page.click('button[type=submit]')
    await page.waitForSelector('#search-table tbody tr')
    await page.screenshot({ path: join(OUT, 'dashboard-search.png'), fullPage: true })
    const expected = traffic.events.filter((e) => e.type === 'superchat' && (e as { message?: string }).message?.includes('状态')).length
    expect(expected).toBeGreaterThan(3)
    expect(await page.locator('#search-table tbody tr').count()).toBe(expected)
    expect(await page.locator('#search-summary').innerText()).toBe(`${expected} events, newest first`)
    await page.selectOption('select[name=types]', '')
    await page.selectOption('select[name=room]', '')
    await page.fill('input[name=text]', '')
    await page.fill('input[name=user]', 'Lumi')
    const before = await page.locator('#search-summary').innerText()
    await page.click('button[type=submit]')
    await page.waitForFunction((prev) => {
      const now = document.querySelector('#search-summary')?.textContent ?? ''
      return now !== prev && /^\d+\+? events/.test(now)
    }, before)
    const users = await cellTexts(page, '#search-table tbody tr td:nth-child(4)')
    expect(users.length).toBeGreaterThan(5)
    expect(new Set(users)).toEqual(new Set(['Lumi']))
    expect(problems).toEqual([])
  })
})
