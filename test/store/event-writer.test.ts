import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { NewEventRow } from '../../src/store/schema'
import { openDatabase, type Database } from '../../src/store/db'
import { EventStore } from '../../src/store/event-store'
import { EventWriter, type WriterSink } from '../../src/store/event-writer'
import { silentLog } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'
import { startTcpProxy } from '../support/tcp-proxy'

/** A sink that records batches and can be made to fail. */
function fakeSink() {
  const batches: string[][] = []
  const stored = new Set<string>()
  let failWith: unknown
  const sink: WriterSink & { batches: string[][]; stored: Set<string>; fail(err: unknown): void } = {
    batches,
    stored,
    fail: (err) => {
      failWith = err
    },
    async insertRows(rows: NewEventRow[]) {
      if (failWith) throw failWith
      const bad = rows.find((r) => r.id.startsWith('bad'))
      if (bad) throw Object.assign(new Error('invalid input syntax'), { code: '22P02' })
      batches.push(rows.map((r) => r.id))
      const fresh = new Set<string>()
      for (const r of rows) if (!stored.has(r.id)) (stored.add(r.id), fresh.add(r.id))
      return fresh
    },
  }
  return sink
}

describe('EventWriter batching', () => {
  test('flushes by size, counts written and duplicates', async () => {
    const sink = fakeSink()
    const w = new EventWriter({ sink, log: silentLog, batchSize: 3, maxBatchRows: 3, flushMs: 10_000, maxBuffer: 100 })
    for (let i = 0; i < 7; i++) w.write(messageEvent(i))
    w.write(messageEvent(0)) // a replayed event
    await w.flush()
    expect(sink.batches.map((b) => b.length)).toEqual([3, 3, 2])
    expect(w.stats).toMatchObject({ written: 7, duplicates: 1, buffered: 0, batches: 3, failures: 0 })
  })

  test('each row is handed to the sink to prepare as it is queued, before any batch is written', async () => {
    const prepared: string[] = []
    const sink = { ...fakeSink(), prepare: (row: NewEventRow) => void prepared.push(row.id) }
    const w = new EventWriter({ sink, log: silentLog, batchSize: 500, flushMs: 10_000, maxBuffer: 100 })
    w.write(giftEvent(1))
    w.write(messageEvent(2))
    expect(prepared).toEqual(['gift-1', 'msg-2'])
    expect(sink.batches).toHaveLength(0)
    await w.flush()
    expect(sink.batches).toEqual([['gift-1', 'msg-2']])
  })

  test('a row its sink cannot prepare is still queued and written', async () => {
    const sink = { ...fakeSink(), prepare: () => { throw new RangeError('cannot encode') } }
    const w = new EventWriter({ sink, log: silentLog, batchSize: 500, flushMs: 10_000, maxBuffer: 100 })
    expect(w.write(giftEvent(1))).toBe(true)
    await w.flush()
    expect(sink.batches).toEqual([['gift-1']])
    expect(w.stats).toMatchObject({ written: 1, buffered: 0 })
  })

  test('a backlog is not prepared: only rows up to the batch after the one in flight, and none while the database fails', async () => {
    const prepared: string[] = []
    const sink = { ...fakeSink(), prepare: (row: NewEventRow) => void prepared.push(row.id) }
    const w = new EventWriter({ sink, log: silentLog, batchSize: 2, maxBatchRows: 2, flushMs: 10_000, maxBuffer: 100, retryBaseMs: 5, retryCapMs: 5 })
    sink.fail(new Error('connection refused'))
    for (let i = 0; i < 6; i++) w.write(messageEvent(i))
    expect(prepared).toEqual(['msg-0', 'msg-1', 'msg-2', 'msg-3'])
    await Bun.sleep(20)
    expect(w.stats.failing).toBe(true)
    w.write(messageEvent(6))
    expect(prepared).toHaveLength(4)
    sink.fail(undefined)
    await w.flush()
    expect(w.stats).toMatchObject({ written: 7, buffered: 0 })
  })

  test('while a batch is in flight, the next batch of a backlog is prepared (and no further)', async () => {
    const prepared: string[] = []
    const inFlight: Array<() => void> = []
    const base = fakeSink()
    const sink: WriterSink = {
      prepare: (row) => void prepared.push(row.id),
      // Each batch waits until the test lets it through.
      insertRows: (rows) => new Promise<void>((resolve) => inFlight.push(resolve)).then(() => base.insertRows(rows)),
    }
    const w = new EventWriter({ sink, log: silentLog, batchSize: 2, maxBatchRows: 2, flushMs: 10_000, maxBuffer: 100 })
    for (let i = 0; i < 8; i++) w.write(messageEvent(i))
    // Queued: only up to the batch after the one in flight.
    expect(new Set(prepared)).toEqual(new Set(['msg-0', 'msg-1', 'msg-2', 'msg-3']))
    await Bun.sleep(5)
    inFlight.shift()!() // batch [0, 1] lands; [2, 3] goes out
    await Bun.sleep(5)
    expect(inFlight).toHaveLength(1)
    expect(new Set(prepared)).toEqual(new Set(['msg-0', 'msg-1', 'msg-2', 'msg-3', 'msg-4', 'msg-5']))
    while (inFlight.length > 0 || w.stats.buffered > 0) {
      inFlight.shift()?.()
      await Bun.sleep(2)
    }
    await w.flush()
    expect(base.batches).toEqual([['msg-0', 'msg-1'], ['msg-2', 'msg-3'], ['msg-4', 'msg-5'], ['msg-6', 'msg-7']])
  })

  test('flushes a partial batch after flushMs', async () => {
    const sink = fakeSink()
    const w = new EventWriter({ sink, log: silentLog, batchSize: 500, flushMs: 20, maxBuffer: 100 })
    w.write(giftEvent(1))
    expect(sink.batches).toHaveLength(0)
    await Bun.sleep(60)
    expect(sink.batches).toEqual([['gift-1']])
  })

  test('a row the database rejects is logged and counted; the rest of its batch is written', async () => {
    const sink = fakeSink()
    const w = new EventWriter({ sink, log: silentLog, batchSize: 10, flushMs: 1, maxBuffer: 100 })
    w.write(giftEvent(1))
    w.write(giftEvent(2, { id: 'bad-1' }))
    w.write(giftEvent(3))
    await w.flush()
    expect([...sink.stored].sort()).toEqual(['gift-1', 'gift-3'])
    expect(w.stats).toMatchObject({ written: 2, rejected: 1, duplicates: 0, buffered: 0 })
  })

  test('rows that queue up behind a batch in flight go together, up to maxBatchRows', async () => {
    const sink = fakeSink()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const slow: WriterSink = { insertRows: async (rows) => (await gate, sink.insertRows(rows)) }
    const w = new EventWriter({ sink: slow, log: silentLog, batchSize: 3, maxBatchRows: 10, flushMs: 10_000, maxBuffer: 100 })
    for (let i = 0; i < 28; i++) w.write(messageEvent(i))
    release()
    await w.flush()
    expect(sink.batches.map((b) => b.length)).toEqual([3, 10, 10, 5])
    expect(sink.batches.flat()).toEqual(Array.from({ length: 28 }, (_, i) => `msg-${i}`))
    expect(w.stats).toMatchObject({ written: 28, batches: 4, buffered: 0 })
  })

  test('bad rows cost about 2·log2(n) writes, not one per row; every good row is written in order', async () => {
    const sink = fakeSink()
    let calls = 0
    const counting: WriterSink = { insertRows: (rows) => (calls++, sink.insertRows(rows)) }
    const w = new EventWriter({ sink: counting, log: silentLog, batchSize: 64, flushMs: 1, maxBuffer: 100 })
    for (let i = 0; i < 64; i++) w.write(i === 41 ? messageEvent(i, { id: 'bad-41' }) : messageEvent(i))
    await w.flush()
    expect(w.stats).toMatchObject({ written: 63, rejected: 1, duplicates: 0, buffered: 0 })
    expect(calls).toBeLessThanOrEqual(1 + 2 * 6)
    expect(sink.batches.flat()).toEqual(Array.from({ length: 64 }, (_, i) => `msg-${i}`).filter((id) => id !== 'msg-41'))
  })

  test('the database failing while a bad batch is being split is retried like any outage, nothing lost', async () => {
    const sink = fakeSink()
    let calls = 0
    const flaky: WriterSink = {
      insertRows: async (rows) => {
        // The third write (the first half's first half) meets a dropped connection once.
        if (++calls === 3) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' })
        return sink.insertRows(rows)
      },
    }
    const w = new EventWriter({ sink: flaky, log: silentLog, batchSize: 8, flushMs: 1, maxBuffer: 100, retryBaseMs: 1, retryCapMs: 5 })
    for (let i = 0; i < 8; i++) w.write(i === 6 ? messageEvent(i, { id: 'bad-6' }) : messageEvent(i))
    await w.flush()
    expect(w.stats).toMatchObject({ written: 7, rejected: 1, buffered: 0, failing: false })
    expect(w.stats.failures).toBe(1)
    expect([...sink.stored].sort()).toEqual(['msg-0', 'msg-1', 'msg-2', 'msg-3', 'msg-4', 'msg-5', 'msg-7'])
  })

  test('a full buffer refuses free events first and keeps paid ones, counting every refusal', async () => {
    const sink = fakeSink()
    sink.fail(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    const w = new EventWriter({ sink, log: silentLog, batchSize: 5, flushMs: 1, maxBuffer: 10, retryBaseMs: 5, retryCapMs: 5 })
    for (let i = 0; i < 15; i++) w.write(messageEvent(i))
    for (let i = 0; i < 12; i++) w.write(giftEvent(i))
    // Free events stop at maxBuffer (10); paid ones still fit up to twice that (20 rows).
    expect(w.stats.dropped).toBe(5 + 2)
    expect(w.stats.buffered).toBe(20)
    expect(w.write(messageEvent(99))).toBe(false)
    sink.fail(undefined)
    await w.flush()
    expect(w.stats.written).toBe(20)
    expect([...sink.stored].filter((id) => id.startsWith('gift'))).toHaveLength(10)
    expect(w.stats.failures).toBeGreaterThan(0)
  })
})

describe('EventWriter against a PostgreSQL that goes away for 10 s', () => {
  let t: { url: string; drop(): Promise<void> }
  let database: Database
  const proxy = startTcpProxy('127.0.0.1', 5432)

  beforeAll(async () => {
    t = await createTestDatabase()
    const url = new URL(t.url)
    url.port = String(proxy.port)
    database = await openDatabase({ url: url.toString(), max: 2 })
  })
  afterAll(async () => {
    proxy.close()
    await database.close().catch(() => {})
    await t.drop()
  })

  test('every event sent during the outage is in the table after it returns', async () => {
    const store = new EventStore(database.db, database.copier)
    const w = new EventWriter({ sink: store, log: silentLog, batchSize: 50, flushMs: 10, maxBuffer: 10_000, retryBaseMs: 50, retryCapMs: 500, writeTimeoutMs: 1000 })
    let n = 0
    const send = (count: number) => {
      for (let i = 0; i < count; i++, n++) w.write(n % 3 === 0 ? giftEvent(n) : messageEvent(n))
    }
    send(100)
    await w.flush()
    expect(w.stats.written).toBe(100)

    proxy.down()
    const outageEnds = Date.now() + 10_000
    while (Date.now() < outageEnds) {
      send(20)
      await Bun.sleep(200)
    }
    expect(w.stats.failing).toBe(true)
    expect(w.stats.buffered).toBeGreaterThan(0)
    expect(w.stats.failures).toBeGreaterThan(0)
    proxy.up()

    send(100)
    await w.flush()
    expect(w.stats.buffered).toBe(0)
    expect(w.stats.dropped).toBe(0)
    expect(w.stats.failing).toBe(false)
    expect(await store.count()).toBe(n)
    // A batch that timed out may still have landed; its retry then counts duplicates, not loss.
    expect(w.stats.written + w.stats.duplicates).toBe(n)
  }, 30_000)
})
