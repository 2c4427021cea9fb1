import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { createTestDatabase } from '../support/pg'
import { giftEvent } from '../support/events'
import { memoryMb, probeLatency, resetPeak, startLefChild, type LefChild } from './lef-child'

const KEY = 'upload-memory-key'
const TARGET_BYTES = 49 * 1024 * 1024

/** A valid JSON array of distinct gifts just under 49 MB (under the default 50 MB limit). */
function bigUpload(): { body: string; count: number } {
  const parts: string[] = []
  let size = 2
  let n = 0
  for (;;) {
    const json = JSON.stringify(giftEvent(n, { id: `upmem-${n}`, message: `thanks ${n} `.repeat(8) }))
    const len = Buffer.byteLength(json)
    if (size + len + 1 > TARGET_BYTES) break
    parts.push(json)
    size += len + 1
    n++
  }
  return { body: `[${parts.join(',')}]`, count: n }
}

describe('a 49 MB upload, lef as its own process on PostgreSQL', () => {
  let lef: LefChild
  let db: { url: string; drop(): Promise<void> }

  beforeAll(async () => {
    db = await createTestDatabase()
    lef = await startLefChild({ DATABASE_URL: db.url, UPLOAD_KEY: KEY })
  }, 60_000)
  afterAll(async () => {
    await lef?.stop()
    await db?.drop()
  }, 60_000)

  test('is stored whole with a bounded memory peak and no long event-loop block', async () => {
    const { body, count } = bigUpload()
    const bytes = new TextEncoder().encode(body)
    expect(bytes.byteLength).toBeGreaterThan(48 * 1024 * 1024)
    expect(bytes.byteLength).toBeLessThan(50 * 1024 * 1024)
    // Let start-up garbage settle, then take the idle figure.
    await Bun.sleep(1500)
    const idle = memoryMb(lef.pid).rss
    const peakReset = resetPeak(lef.pid)
    let sampledPeak = idle
    let running = true
    const t0 = performance.now()
    const sampler = (async () => {
      while (running) {
        sampledPeak = Math.max(sampledPeak, memoryMb(lef.pid).rss)
        await Bun.sleep(5)
      }
    })()
    const probe = probeLatency(lef.url, () => running)
    const res = await fetch(`${lef.url}/upload`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: bytes })
    const answer = (await res.json()) as { data: { received: number; inserted: number } }
    const took = performance.now() - t0
    running = false
    await sampler
    const { max: worstLatency, samples } = await probe
    const mem = memoryMb(lef.pid)
    const peak = peakReset ? Math.max(mem.peak, sampledPeak) : sampledPeak
    const sql = postgres(db.url, { max: 1, onnotice: () => {} })
    const [{ stored }] = (await sql`select count(*)::int as stored from events where id like 'upmem-%'`) as unknown as [{ stored: number }]
    await sql.end()
    console.log(
      `upload 49 MB: ${(bytes.byteLength / 1024 / 1024).toFixed(1)} MB, sent ${count} events, received ${answer.data.received}, stored ${stored}, lost ${count - stored}; ` +
        `${took.toFixed(0)} ms; RSS idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (+${(peak - idle).toFixed(0)} MB, VmHWM ${peakReset ? 'reset' : 'not resettable'}); ` +
        `worst request latency during the upload ${worstLatency.toFixed(0)} ms over ${samples} probes`,
    )
    expect(res.status).toBe(200)
    expect(answer.data).toMatchObject({ received: count, inserted: count })
    expect(stored).toBe(count)
    expect(peak - idle).toBeLessThanOrEqual(150)
    // Generous for a loaded 2-core machine; parsing the body in one go blocks for far longer.
    expect(worstLatency).toBeLessThan(400)
  }, 120_000)
})
