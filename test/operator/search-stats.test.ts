import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { messageEvent } from '../support/events'
import { dashboardTraffic } from './dashboard-data'
import { api, bearer, quietConnector, startNode } from './support'

const KEY = 'k-1'
const UPLOAD = 'u-1'

describe('search and stats routes', () => {
  let app: App
  const now = Date.now()
  const traffic = dashboardTraffic(now)

  beforeAll(async () => {
    app = await startNode({ AUTH_KEY: KEY, UPLOAD_KEY: UPLOAD, ROOMS: '25034104,douyin:646454278948,tiktok:@sim_host', TZ: 'Asia/Shanghai' }, {
      bilibili: quietConnector(), douyin: quietConnector('douyin'), tiktok: quietConnector('tiktok'),
    })
    await fetch(`${app.url}/upload`, { method: 'POST', headers: bearer(UPLOAD), body: JSON.stringify(traffic.events) })
  }, 30_000)
  afterAll(async () => {
    await app.stop()
  }, 30_000)

  test('GET /events/search is not taken for a room; filters by room, type, user and text, newest first', async () => {
    const sc = await api<Array<{ id: string; type: string; timestamp: number }>>(app, 'GET', '/events/search?room=25034104&types=superchat&limit=500', undefined, KEY)
    expect(sc.status).toBe(200)
    const expected = traffic.events.filter((e) => e.type === 'superchat').map((e) => e.id)
    expect(sc.json.data.map((e) => e.id).sort()).toEqual(expected.sort())
    const times = sc.json.data.map((e) => e.timestamp)
    expect(times).toEqual([...times].sort((a, b) => b - a))
    const byUid = await api<Array<{ uid: number }>>(app, 'GET', '/events/search?user=100004&limit=500', undefined, KEY)
    expect(byUid.json.data.length).toBe(traffic.events.filter((e) => (e as { uid?: number }).uid === 100004).length)
    // LIKE syntax is taken literally.
    const percent = await api<unknown[]>(app, 'GET', '/events/search?text=%25', undefined, KEY)
    expect(percent.json.data).toEqual([])
    const page = await api<Array<{ timestamp: number }>>(app, 'GET', `/events/search?types=gift&limit=5&before=${times[0]}`, undefined, KEY)
    expect(page.json.data).toHaveLength(5)
    expect(page.json.data.every((e) => e.timestamp < times[0]!)).toBe(true)
    const bad = await api(app, 'GET', '/events/search?types=nope', undefined, KEY)
    expect(bad.status).toBe(400)
    expect(bad.json.message).toContain('unknown event type(s) in types: "nope"')
    expect((await api(app, 'GET', '/events/search', undefined, null)).status).toBe(401)
  })

  test('GET /events/search pages with beforeId through events that share one time, none skipped or repeated', async () => {
    const t = now - 3_600_000
    const same = Array.from({ length: 7 }, (_, i) => messageEvent(9000 + i, { username: 'pager', timestamp: t, timestampNormalized: t }))
    expect((await fetch(`${app.url}/upload`, { method: 'POST', headers: bearer(UPLOAD), body: JSON.stringify(same) })).status).toBe(200)
    const seen: string[] = []
    let cursor = ''
    for (let pages = 0; pages < 5; pages++) {
      const res = await api<Array<{ id: string }>>(app, 'GET', `/events/search?user=pager&limit=3${cursor}`, undefined, KEY)
      expect(res.status).toBe(200)
      if (res.json.data.length === 0) break
      seen.push(...res.json.data.map((e) => e.id))
      cursor = `&beforeId=${encodeURIComponent(res.json.data.at(-1)!.id)}`
    }
    expect(seen).toHaveLength(7)
    expect(new Set(seen)).toEqual(new Set(same.map((e) => e.id)))
    // Paging by time alone would have lost the rest of the group after the first page.
    const byTime = await api<unknown[]>(app, 'GET', `/events/search?user=pager&limit=3&before=${t}`, undefined, KEY)
    expect(byTime.json.data).toEqual([])
    const unknown = await api(app, 'GET', '/events/search?beforeId=no-such-event', undefined, KEY)
    expect(unknown.status).toBe(400)
    expect(unknown.json.message).toContain('not a stored event')
  })

  test('GET /events/search finds a TikTok viewer by the exact id, past 2^53 where the numeric uid is 0', async () => {
    const big = '6809568862012081157'
    const chat = messageEvent(9100, { platform: 'tiktok', room: 'sim_host', origin: 0, uid: 0, uidStr: big, username: 'someone', timestamp: now - 7_200_000, timestampNormalized: now - 7_200_000 })
    expect((await fetch(`${app.url}/upload`, { method: 'POST', headers: bearer(UPLOAD), body: JSON.stringify([chat]) })).status).toBe(200)
    const found = await api<Array<{ id: string }>>(app, 'GET', `/events/search?user=${big}`, undefined, KEY)
    expect(found.json.data.map((e) => e.id)).toEqual(['msg-9100'])
  })

  test('GET /stats/paid sums per room per day in TZ and per hour; GET /stats/activity counts the last minutes', async () => {
    const paid = await api<{ timeZone: string; days: Array<{ platform: string; room: string; day: string; currency: string; total: number; count: number }>; hours: Array<{ platform: string; total: number }> }>(
      app, 'GET', '/stats/paid?hours=72', undefined, KEY,
    )
    expect(paid.json.data.timeZone).toBe('Asia/Shanghai')
    const sum = (rows: Array<{ platform: string; total: number }>, p: string) => rows.filter((r) => r.platform === p).reduce((a, r) => a + r.total, 0)
    expect(sum(paid.json.data.days, 'bilibili')).toBeCloseTo(traffic.totals['bilibili:25034104']!, 2)
    expect(sum(paid.json.data.hours, 'douyin')).toBeCloseTo(traffic.totals['douyin:646454278948']!, 2)
    expect(sum(paid.json.data.hours, 'tiktok')).toBeCloseTo(traffic.totals['tiktok:sim_host']!, 2)
    expect(new Set(paid.json.data.days.filter((d) => d.platform === 'tiktok').map((d) => d.currency))).toEqual(new Set(['USD']))
    const dayOf = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ms)
    const firstGift = traffic.events.find((e) => e.type === 'gift' && e.platform === 'bilibili')!
    expect(paid.json.data.days.some((d) => d.platform === 'bilibili' && d.day === dayOf(firstGift.timestamp))).toBe(true)

    const activity = await api<Array<{ platform: string; room: string; events: number; perMinute: number; lastEventAt: number }>>(app, 'GET', '/stats/activity?minutes=5', undefined, KEY)
    const bili = activity.json.data.find((a) => a.platform === 'bilibili')!
    expect(bili).toMatchObject({ room: '25034104', events: 24, perMinute: 4.8 })
    const douyin = activity.json.data.find((a) => a.platform === 'douyin')!
    expect(douyin.events).toBe(0)
    expect(douyin.lastEventAt).toBe(Math.max(...traffic.events.filter((e) => e.platform === 'douyin').map((e) => e.timestamp)))
  })
})
