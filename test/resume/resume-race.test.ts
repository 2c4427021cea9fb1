import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { replayInto } from '../../src/fanout/replay'
import { Feed, type FeedSink } from '../../src/fanout/feed'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'

// Uploads are stored before they are published; live events are published before they are
// stored. A client resumes from the last id it saw; it must get every event published after it.

const UPLOAD_KEY = 'upload-key-race'

/** Publish live events and post uploads at the same time; the order the bus published them in. */
async function race(app: App, label: string): Promise<{ order: string[]; uploads: number; live: number }> {
  const order: string[] = []
  const unsubscribe = app.bus.subscribe((e) => void order.push(e.id))
  let live = 0
  let running = true
  const liveLoop = (async () => {
    while (running) {
      for (let k = 0; k < 4; k++, live++) app.bus.publish(live % 5 === 0 ? giftEvent(live, { id: `${label}-live-${live}` }) : messageEvent(live, { id: `${label}-live-${live}` }))
      await Bun.sleep(1)
    }
  })()
  let uploads = 0
  for (let u = 0; u < 40; u++) {
    const body = Array.from({ length: 10 }, (_, i) => ({ ...giftEvent(u * 100 + i), id: `${label}-up-${u}-${i}` }))
    const res = await fetch(`${app.url}/upload`, { method: 'POST', headers: { authorization: `Bearer ${UPLOAD_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(res.status).toBe(200)
    uploads += body.length
    await Bun.sleep(Math.random() * 10)
  }
  running = false
  await liveLoop
  unsubscribe()
  await app.writer.flush()
  return { order, uploads, live }
}

/** Events some resume would skip: published after an event the store put after them. */
async function skippable(app: App, order: string[]): Promise<{ skipped: string[]; stored: number }> {
  const rows = await app.store.after(0n, {}, 1_000_000)
  const seq = new Map(rows.map((r) => [r.event.id, r.seq]))
  const skipped: string[] = []
  let max = -1n
  for (const id of order) {
    const s = seq.get(id)
    if (s === undefined) throw new Error(`${id} was published but is not stored`)
    if (s < max) skipped.push(id)
    else max = s
  }
  return { skipped, stored: rows.length }
}

/** A real resume (the path SSE Last-Event-ID and bridge ?since= take) from `since`: the ids replayed. */
async function resumeFrom(app: App, since: string): Promise<Set<string>> {
  const got = new Set<string>()
  const sink: FeedSink<string> = { write: (id) => (got.add(id), true), buffered: () => 0, cutOff: () => {}, notice: () => {} }
  const feed = new Feed<string>(() => true, sink, { sizeOf: () => 1, maxBuffer: 1e9, now: Date.now, onCutOff: () => {}, onClose: () => {} })
  feed.holdLive()
  const outcome = await replayInto(feed, since, {}, { store: app.store, writer: app.writer }, (e) => e.id)
  expect(outcome.kind).toBe('replayed')
  return got
}

async function check(app: App, label: string): Promise<void> {
  const { order, uploads, live } = await race(app, label)
  const { skipped, stored } = await skippable(app, order)
  // Resume for real from a sample of the ids a client saw, and count what it misses.
  let resumes = 0
  let missed = 0
  for (let i = 0; i < order.length - 1; i += Math.max(1, Math.floor(order.length / 40))) {
    const got = await resumeFrom(app, order[i]!)
    missed += order.slice(i + 1).filter((id) => !got.has(id)).length
    resumes++
  }
  console.log(`resume race [${label}]: published=${order.length} (live=${live} uploaded=${uploads}) stored=${stored} skippable by some resume=${skipped.length} sampled resumes=${resumes} events they missed=${missed}`)
  expect(uploads).toBe(400)
  expect(skipped).toEqual([])
  expect(missed).toBe(0)
}

describe('resume cannot skip an upload stored while live events wait for the writer', () => {
  let db: { url: string; drop(): Promise<void> }
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  test('PostgreSQL', async () => {
    const app = await startTestApp({ DATABASE_URL: db.url, UPLOAD_KEY, WRITER_FLUSH_MS: '30' })
    try {
      await check(app, 'pg')
    } finally {
      await app.stop()
    }
  }, 60_000)

  test('PGlite', async () => {
    const app = await startTestApp({ UPLOAD_KEY, WRITER_FLUSH_MS: '30' })
    try {
      await check(app, 'pglite')
    } finally {
      await app.stop()
    }
  }, 60_000)
})
