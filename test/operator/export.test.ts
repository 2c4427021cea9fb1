import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { csvCell } from '../../src/http/export/export-formats'
import { exportPages } from '../../src/store/export'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'
import { bearer, startNode } from './support'

const KEY = 'auth-1'
const UPLOAD = 'up-1'
const T0 = Date.now() - 3_600_000

/** 2,500 events of room 25034104 (beyond two export pages), some with text that needs CSV care. */
function sample() {
  return Array.from({ length: 2500 }, (_, i) => {
    // Several events share a timestamp, so the cursor must order by seq too.
    const t = T0 + Math.floor(i / 3) * 1000
    if (i % 4 === 0) return giftEvent(i, { timestamp: t, timestampNormalized: t })
    const text = i === 1 ? '=HYPERLINK("x")' : i === 2 ? 'a, "quoted"\nline' : `弹幕 ${i}`
    return messageEvent(i, { timestamp: t, timestampNormalized: t, message: text })
  })
}

describe('export', () => {
  let db: { url: string; drop(): Promise<void> }
  let a: App
  let b: App
  const get = (app: App, path: string) => fetch(`${app.url}${path}`, { headers: bearer(KEY) })
  const storedIds = async (app: App) =>
    ((await (await get(app, '/events/25034104?full=1')).json()) as { data: Array<{ id: string }> }).data.map((e) => e.id)

  beforeAll(async () => {
    db = await createTestDatabase()
    a = await startNode({ DATABASE_URL: db.url, AUTH_KEY: KEY, UPLOAD_KEY: UPLOAD })
    b = await startNode({ AUTH_KEY: KEY, UPLOAD_KEY: UPLOAD })
    const res = await fetch(`${a.url}/upload`, { method: 'POST', headers: { ...bearer(UPLOAD), 'content-type': 'application/json' }, body: JSON.stringify(sample()) })
    expect(((await res.json()) as { data: { inserted: number } }).data.inserted).toBe(2500)
    // An event of another room must not leak into the export.
    await fetch(`${a.url}/upload`, { method: 'POST', headers: bearer(UPLOAD), body: JSON.stringify(giftEvent(99_999, { room: '1', origin: 1 })) })
  }, 30_000)
  afterAll(async () => {
    await a.stop()
    await b.stop()
    await db.drop()
  }, 30_000)

  test('the store pages by (event_time, seq): every event once, in order, page by page', async () => {
    const pages: number[] = []
    const ids: string[] = []
    for await (const page of exportPages(a.database.db, { platform: 'bilibili', room: '25034104', pageSize: 700 })) {
      pages.push(page.length)
      ids.push(...page.map((e) => e.id))
    }
    expect(pages).toEqual([700, 700, 700, 400])
    expect(new Set(ids).size).toBe(2500)
    expect(ids).toEqual(await storedIds(a))
  })

  test('ndjson streams every event of the room as sent, oldest first', async () => {
    const res = await get(a, '/events/25034104/export')
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="lef-bilibili-25034104.ndjson"')
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(2500)
    expect(lines[0]).toEqual(giftEvent(0, { timestamp: T0, timestampNormalized: T0 }) as unknown as Record<string, unknown>)
    expect(lines[2]!.message).toBe('a, "quoted"\nline')
    expect(lines.map((e) => e.id)).toEqual(await storedIds(a))
  })

  test('csv has a header, RFC 4180 quoting and defused formulas; from/to bound the range', async () => {
    const res = await get(a, `/events/25034104/export?format=csv&from=${T0}&to=${T0 + 2000}`)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const text = await res.text()
    const rows = text.split('\r\n')
    expect(rows[0]).toBe('id,time,platform,room,type,uid,username,message,gift_name,gift_amount,price,price_normalized,currency,price_original,currency_original')
    // T0 and T0+1000 hold events 0..5; the rest are later.
    expect(text).toContain(`gift-0,${new Date(T0).toISOString()},bilibili,25034104,gift,1000,user0,,小花花,1,1000,1,`)
    expect(text).toContain(`msg-1,${new Date(T0).toISOString()},bilibili,25034104,message,2001,viewer1,"'=HYPERLINK(""x"")",`)
    expect(text).toContain('"a, ""quoted""\nline"')
    expect(text).toContain('msg-5,')
    expect(text).not.toContain('gift-8,')
    expect(csvCell('-2+3')).toBe("'-2+3")
    expect(csvCell(12.5)).toBe('12.5')
  })

  test('lca uploads back unchanged into a second, empty lef', async () => {
    const res = await get(a, '/events/25034104/export?format=lca')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="lef-bilibili-25034104.lca"')
    const archive = await res.arrayBuffer()
    const parsed = JSON.parse(new TextDecoder().decode(archive)) as { format: string; room: string; events: unknown[] }
    expect(parsed.format).toBe('lef-export')
    expect(parsed.events).toHaveLength(2500)
    expect(await storedIds(b)).toEqual([])
    const up = await fetch(`${b.url}/upload`, { method: 'POST', headers: bearer(UPLOAD), body: archive })
    expect(((await up.json()) as { data: unknown }).data).toEqual({ received: 2500, inserted: 2500, duplicates: 0 })
    // Same events, same order, same content.
    const again = await (await get(b, '/events/25034104/export')).text()
    const original = await (await get(a, '/events/25034104/export')).text()
    expect(again).toBe(original)
    // A second upload of the same archive only counts duplicates.
    const dup = await fetch(`${b.url}/upload`, { method: 'POST', headers: bearer(UPLOAD), body: archive })
    expect(((await dup.json()) as { data: unknown }).data).toEqual({ received: 2500, inserted: 0, duplicates: 2500 })
  })

  test('an empty range is a valid empty archive; bad queries are 400; no key is 401', async () => {
    const empty = await get(a, '/events/25034104/export?format=lca&from=1&to=2')
    expect(JSON.parse(await empty.text())).toMatchObject({ format: 'lef-export', from: 1, to: 2, events: [] })
    const bad = await get(a, '/events/25034104/export?format=xml')
    expect(bad.status).toBe(400)
    const order = await get(a, '/events/25034104/export?from=5&to=5')
    expect(order.status).toBe(400)
    expect(((await order.json()) as { message: string }).message).toBe('from must be before to')
    expect((await fetch(`${a.url}/events/25034104/export`)).status).toBe(401)
  })
})
