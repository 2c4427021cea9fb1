import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'
import { giftEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'

const KEY = 'upload-faults-key'
const TIMEOUT_MS = 1000

function post(app: App, body: string | Uint8Array<ArrayBuffer>): Promise<Response> {
  return fetch(`${app.url}/upload`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body })
}

/** `[[[…0…]]]`, `depth` arrays deep. */
function nested(depth: number): string {
  return '['.repeat(depth) + '0' + ']'.repeat(depth)
}

describe('upload faults: a stalled database, absurd nesting', () => {
  let app: App
  let proxy: TcpProxy
  let db: { url: string; drop(): Promise<void> }
  let sql: postgres.Sql

  beforeAll(async () => {
    db = await createTestDatabase()
    const target = new URL(db.url)
    proxy = startTcpProxy(target.hostname, Number(target.port || 5432))
    const viaProxy = new URL(db.url)
    viaProxy.port = String(proxy.port)
    app = await startTestApp({ DATABASE_URL: viaProxy.toString(), UPLOAD_KEY: KEY, UPLOAD_WRITE_TIMEOUT: String(TIMEOUT_MS) })
    sql = postgres(db.url, { max: 1, onnotice: () => {} })
  }, 30_000)
  afterAll(async () => {
    proxy.unstall()
    await app?.stop()
    proxy?.close()
    await sql?.end()
    await db?.drop()
  }, 30_000)

  const stored = async (prefix: string) =>
    ((await sql`select count(*)::int as n from events where id like ${`${prefix}%`}`) as unknown as [{ n: number }])[0].n

  test('a write stuck on a stalled database answers 503 with Retry-After within the timeout; the retry stores it once', async () => {
    const events = Array.from({ length: 1200 }, (_, i) => giftEvent(i, { id: `stall-${i}` }))
    const body = JSON.stringify(events)
    proxy.stall()
    const t0 = performance.now()
    const res = await post(app, body)
    const took = performance.now() - t0
    const answer = (await res.json()) as { message: string }
    // Connections that saw the stall carry half-sent bytes: drop them so the pool opens fresh ones.
    proxy.unstall()
    proxy.down()
    proxy.up()
    const afterStall = await stored('stall-')
    let retry: Response | undefined
    for (let attempt = 0; attempt < 20; attempt++) {
      retry = await post(app, body)
      if (retry.status === 200) break
      await retry.arrayBuffer()
      await Bun.sleep(500)
    }
    const retried = (await retry!.json()) as { data: { inserted: number; duplicates: number } }
    const final = await stored('stall-')
    console.log(
      `upload during a stall: sent ${events.length}, answered ${res.status} after ${took.toFixed(0)} ms (timeout ${TIMEOUT_MS} ms, Retry-After ${res.headers.get('retry-after')}), ` +
        `stored by the stalled attempt ${afterStall}; retry ${retry!.status}: inserted ${retried.data.inserted}, duplicates ${retried.data.duplicates}; stored ${final}, lost ${events.length - final}`,
    )
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(answer.message).toMatch(/UPLOAD_WRITE_TIMEOUT/)
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
    expect(took).toBeLessThan(TIMEOUT_MS + 4000)
    expect(afterStall).toBe(0)
    expect(retry!.status).toBe(200)
    expect(retried.data.inserted + retried.data.duplicates).toBe(events.length)
    expect(final).toBe(events.length)
  }, 60_000)

  test('JSON nested past UPLOAD_MAX_DEPTH answers 400 (a 100,000-deep field), nothing stored; 50 deep is fine', async () => {
    const deep = `[${JSON.stringify(giftEvent(1, { id: 'deep-1' })).slice(0, -1)},"extra":${nested(100_000)}}]`
    const res = await post(app, deep)
    const answer = (await res.json()) as { message: string }
    const ndjson = `${JSON.stringify(giftEvent(2, { id: 'deep-2' }))}\n{"id":"deep-3","x":${nested(70)}}`
    const resNd = await post(app, ndjson)
    const archive = `{"version":1,"meta":${nested(80)},"events":[]}`
    const resArchive = await post(app, archive)
    const ok = await post(app, `[${JSON.stringify(giftEvent(4, { id: 'deep-4', extra: JSON.parse(nested(50)) }))}]`)
    const n = await stored('deep-')
    console.log(`nesting: 100,000 deep → ${res.status}, NDJSON 70 deep → ${resNd.status}, archive field 80 deep → ${resArchive.status}, 50 deep → ${ok.status}; stored ${n} (expected 1)`)
    expect(res.status).toBe(400)
    expect(answer.message).toMatch(/nested deeper than 64 levels \(UPLOAD_MAX_DEPTH\)/)
    expect(resNd.status).toBe(400)
    expect(resArchive.status).toBe(400)
    expect(ok.status).toBe(200)
    expect(n).toBe(1)
  }, 30_000)

  test('bytes that are not UTF-8 inside an event answer 400, nothing stored', async () => {
    const good = JSON.stringify(giftEvent(7, { id: 'utf-7' }))
    const bad = new TextEncoder().encode(`[${good},${JSON.stringify(giftEvent(8, { id: 'utf-8', message: 'AB' }))}]`)
    bad[bad.indexOf(0x41, bad.indexOf(0x41, good.length + 1))] = 0xff // the "A" of "AB"
    const res = await post(app, bad)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid UTF-8/)
    expect(await stored('utf-')).toBe(0)
  })
})
