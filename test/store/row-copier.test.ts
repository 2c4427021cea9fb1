import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { copyLine, copyText } from '../../src/store/copy-text'
import { openDatabase, type Database } from '../../src/store/db'
import { isDataError, isUniqueViolation } from '../../src/store/errors'
import { toEventRow } from '../../src/store/event-row'
import { EventStore } from '../../src/store/event-store'
import { EventWriter } from '../../src/store/event-writer'
import type { NewEventRow } from '../../src/store/schema'
import { CopyTimeoutError, createRowCopier } from '../../src/store/row-copier'
import { silentLog } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'
import { startTcpProxy } from '../support/tcp-proxy'

describe('copyText', () => {
  test('escapes what COPY text format reads specially and writes null uid as \\N', () => {
    const row = toEventRow(messageEvent(1, { id: 'a\tb', room: 'r\\1', uid: 0, message: 'line1\nline2 \\o/ "q"' }), 1_790_000_000_123)
    const [line, ...rest] = copyText([row]).split('\n')
    expect(rest).toEqual(['']) // exactly one line: the newline inside the message is escaped
    const fields = line!.split('\t')
    expect(fields).toHaveLength(11)
    expect(fields[0]).toBe('a\\tb')
    expect(fields[2]).toBe('r\\\\1')
    expect(fields[5]).toBe('\\N')
    expect(fields[6]).toBe(String(1_790_000_000_001))
    expect(fields[8]).toBe('f')
    // JSON's own escapes (\n, \\, \") survive as text once COPY undoes the doubled backslashes.
    expect(JSON.parse(fields[10]!.replaceAll('\\\\', '\\')).message).toBe('line1\nline2 \\o/ "q"')
  })

  test('a row is encoded once: a line built when the row was queued is the line copied, and stays out of its keys and JSON', () => {
    const row = toEventRow(giftEvent(7), 1_790_000_000_000)
    const line = copyLine(row)
    // Later changes to the row object do not re-encode it: the writer queues rows that never change.
    row.room = 'changed'
    expect(copyText([row])).toBe(line)
    expect(copyLine(row)).toBe(line)
    expect(line.split('\t')[2]).not.toBe('changed')
    expect(Object.keys(row)).not.toContain('copyLine')
    expect(JSON.stringify(row)).not.toContain('\t')
  })

  test('a non-finite number is refused, not written as NaN', () => {
    const row = { ...toEventRow(giftEvent(1), 1), eventTime: Number.NaN }
    expect(() => copyText([row])).toThrow(RangeError)
    // …as a data error (SQLSTATE 22003), so the writer rejects that row instead of retrying forever.
    let thrown: unknown
    try {
      copyLine(row)
    } catch (err) {
      thrown = err
    }
    expect(isDataError(thrown)).toBe(true)
  })
})

describe('RowCopier on PostgreSQL', () => {
  let t: { url: string; drop(): Promise<void> }
  let database: Database
  let sql: postgres.Sql

  beforeAll(async () => {
    t = await createTestDatabase()
    database = await openDatabase({ url: t.url, max: 2 })
    sql = postgres(t.url, { max: 1, onnotice: () => {} })
  })
  afterAll(async () => {
    await sql.end()
    await database.close()
    await t.drop()
  })

  test('rows with tabs, line breaks, backslashes, quotes and emoji come back exactly as written', async () => {
    const hostile = 'tab\there\nnewline\r\nback\\slash "quoted" 🎁 礼物 \\u0041'
    const events = [
      giftEvent(1, { id: 'copy-1', username: hostile, room: 'room\twith\ttabs' }),
      messageEvent(2, { id: 'copy-2', message: hostile, uid: 0 }),
    ]
    await database.copier!.copy(events.map((e) => toEventRow(e, 1_790_000_000_999)))
    const rows = await sql`select id, room, uid, paid, price_normalized, received_at, data from events where id like 'copy-%' order by seq`
    expect(rows.map((r) => r.id)).toEqual(['copy-1', 'copy-2'])
    expect(rows[0]!.room).toBe('room\twith\ttabs')
    expect(rows[0]!.data).toEqual(JSON.parse(JSON.stringify(events[0])))
    expect(rows[0]!.paid).toBe(true)
    expect(rows[0]!.price_normalized).toBe(2)
    expect(Number(rows[0]!.received_at)).toBe(1_790_000_000_999)
    expect(rows[1]!.uid).toBeNull()
    expect(rows[1]!.data.message).toBe(hostile)
  })

  test('a batch holding a stored id stores nothing and rejects as a unique violation', async () => {
    const err = await database.copier!.copy([giftEvent(10, { id: 'dup-new' }), giftEvent(11, { id: 'copy-1' })].map((e) => toEventRow(e, 1))).catch((e) => e)
    expect(isUniqueViolation(err)).toBe(true)
    expect((await sql`select count(*)::int as n from events where id = 'dup-new'`)[0]!.n).toBe(0)
  })

  test('a 1,050-row batch goes whole, in order; a stored id in its last row stores none of it, and the connection stays usable', async () => {
    const rows = Array.from({ length: 1_050 }, (_, i) => toEventRow(messageEvent(1_000 + i, { id: `big-${i}` }), 1))
    await database.copier!.copy(rows)
    const stored = await sql`select id from events where id like 'big-%' order by seq`
    expect(stored.map((r) => r.id)).toEqual(rows.map((r) => r.id))

    const more = Array.from({ length: 1_050 }, (_, i) => toEventRow(messageEvent(3_000 + i, { id: `more-${i}` }), 1))
    more[1_049] = rows[0]!
    const err = await database.copier!.copy(more).catch((e) => e)
    expect(isUniqueViolation(err)).toBe(true)
    expect((await sql`select count(*)::int as n from events where id like 'more-%'`)[0]!.n).toBe(0)
    // The connection is usable after the failed COPY.
    await database.copier!.copy([toEventRow(messageEvent(5_000, { id: 'after-big' }), 1)])
    expect((await sql`select count(*)::int as n from events where id = 'after-big'`)[0]!.n).toBe(1)
  })

  test('a row PostgreSQL refuses early in a large batch fails the COPY promptly, storing none', async () => {
    const rows = Array.from({ length: 1_050 }, (_, i) => toEventRow(messageEvent(6_000 + i, { id: `early-${i}`, message: i === 3 ? 'a\u0000b' : 'ok' }), 1))
    const started = performance.now()
    const err = await database.copier!.copy(rows).catch((e) => e)
    expect(isDataError(err)).toBe(true)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect((await sql`select count(*)::int as n from events where id like 'early-%'`)[0]!.n).toBe(0)
  })

  test('data PostgreSQL refuses (a NUL in jsonb) is a data error, so the writer can split the batch', async () => {
    const err = await database.copier!.copy([toEventRow(messageEvent(20, { id: 'nul', message: 'a\u0000b' }), 1)]).catch((e) => e)
    expect(err).toBeInstanceOf(Error)
    expect(isDataError(err)).toBe(true)
    expect(isUniqueViolation(err)).toBe(false)
  })

  test('EventStore: repeats it wrote lately are dropped in memory; an id stored by someone else costs one lookup', async () => {
    const store = new EventStore(database.db, database.copier)
    const fresh = await store.insertRows([giftEvent(30), giftEvent(31)].map((e) => toEventRow(e, 1)))
    expect([...fresh].sort()).toEqual(['gift-30', 'gift-31'])
    // gift-31 again and gift-32 twice in one batch: settled in memory, the COPY carries gift-32 once.
    const mixed = await store.insertRows([giftEvent(31), giftEvent(32), giftEvent(32)].map((e) => toEventRow(e, 1)))
    expect([...mixed]).toEqual(['gift-32'])
    expect(store.copyConflicts).toBe(0)
    // Another node (a second store, empty memory) meets ids it has never seen but the table has.
    const other = new EventStore(database.db, database.copier)
    const late = await other.insertRows([giftEvent(30), giftEvent(33), giftEvent(32)].map((e) => toEventRow(e, 1)))
    expect([...late]).toEqual(['gift-33'])
    expect(other.copyConflicts).toBe(1)
    const seqs = await sql`select id from events where id in ('gift-30', 'gift-31', 'gift-32', 'gift-33') order by seq`
    expect(seqs.map((r) => r.id)).toEqual(['gift-30', 'gift-31', 'gift-32', 'gift-33'])
  })

  test('EventStore: when the COPY keeps meeting stored ids (a concurrent writer), INSERT … ON CONFLICT settles the batch', async () => {
    let copies = 0
    const racing = {
      copy: async () => {
        copies++
        throw Object.assign(new Error('duplicate key value violates unique constraint'), { errno: '23505' })
      },
      prepare: () => {},
      close: async () => {},
    }
    const store = new EventStore(database.db, racing)
    const inserted = await store.insertRows([giftEvent(30), giftEvent(34)].map((e) => toEventRow(e, 1)))
    expect([...inserted]).toEqual(['gift-34'])
    expect(copies).toBe(2)
    expect((await sql`select count(*)::int as n from events where id = 'gift-34'`)[0]!.n).toBe(1)
  })

  test('EventWriter over COPY: a row PostgreSQL refuses is rejected alone, the rest of its batch is stored', async () => {
    const store = new EventStore(database.db, database.copier)
    const w = new EventWriter({ sink: store, log: silentLog, batchSize: 10, flushMs: 1, maxBuffer: 100 })
    w.write(giftEvent(50))
    w.write(messageEvent(51, { message: 'nul \u0000 here' }))
    w.write(giftEvent(52))
    await w.flush()
    expect(w.stats).toMatchObject({ written: 2, rejected: 1, duplicates: 0, buffered: 0 })
    const ids = await sql`select id from events where id in ('gift-50', 'msg-51', 'gift-52') order by seq`
    expect(ids.map((r) => r.id)).toEqual(['gift-50', 'gift-52'])
  })

  test('EventWriter over COPY: a row that cannot be encoded (a non-finite number) is rejected alone, not retried forever', async () => {
    const store = new EventStore(database.db, database.copier)
    const poisoned = { ...toEventRow(giftEvent(61), 1), eventTime: Number.NaN }
    const sink = { insertRows: (rows: NewEventRow[]) => store.insertRows(rows.map((r) => (r.id === 'gift-61' ? poisoned : r))) }
    const w = new EventWriter({ sink, log: silentLog, batchSize: 10, flushMs: 1, maxBuffer: 100 })
    for (const n of [60, 61, 62]) w.write(giftEvent(n))
    await w.flush()
    expect(w.stats).toMatchObject({ written: 2, rejected: 1, failures: 0, buffered: 0 })
    const ids = await sql`select id from events where id in ('gift-60', 'gift-61', 'gift-62') order by seq`
    expect(ids.map((r) => r.id)).toEqual(['gift-60', 'gift-62'])
  })

  test('a COPY that hangs times out, drops its connection, and the next COPY gets a fresh one', async () => {
    const proxy = startTcpProxy('127.0.0.1', 5432)
    const url = new URL(t.url)
    url.port = String(proxy.port)
    const copier = createRowCopier({ url: url.toString(), timeoutMs: 500 })
    try {
      await copier.copy([toEventRow(giftEvent(40), 1)])
      proxy.stall()
      const started = Date.now()
      const err = await copier.copy([toEventRow(giftEvent(41), 1)]).catch((e) => e)
      expect(err).toBeInstanceOf(CopyTimeoutError)
      expect(Date.now() - started).toBeLessThan(3000)
      proxy.unstall()
      await copier.copy([toEventRow(giftEvent(42), 1)])
      const ids = await sql`select id from events where id in ('gift-40', 'gift-41', 'gift-42') order by id`
      // gift-41 never reached the server whole: nothing of it is stored.
      expect(ids.map((r) => r.id)).toEqual(['gift-40', 'gift-42'])
    } finally {
      await copier.close().catch(() => {})
      proxy.close()
    }
  })
})
