import { and, asc, eq, gt, gte, inArray, lt, sql, type SQL } from 'drizzle-orm'
import type { LefEvent, Platform } from '../events'
import type { Drizzle } from './db'
import { isUniqueViolation } from './errors'
import type { RowCopier } from './row-copier'
import { RecentIds } from '../events/recent-ids'
import { events, type NewEventRow } from './schema'

// Rows per insert statement (one jsonb parameter each).
const INSERT_CHUNK = 1000
// Rows per restamp statement: a large upload is repositioned in steps the writer can interleave with nothing else anyway, but each stays short.
const RESTAMP_CHUNK = 5000
// Ids remembered as stored: at least the last ~40 default batches (RecentIds keeps up to twice
// this many), 2–4 MB.
const RECENT_IDS = 20_000

/** A row under the column names jsonb_to_recordset maps onto the table. */
function recordOf(r: NewEventRow) {
  return {
    id: r.id, platform: r.platform, room: r.room, origin: r.origin, type: r.type, uid: r.uid ?? null,
    event_time: r.eventTime, received_at: r.receivedAt, paid: r.paid, price_normalized: r.priceNormalized ?? 0, data: r.data,
  }
}

/** postgres.js answers `execute` with the row list itself, PGlite with `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows
}

/** ON CONFLICT DO NOTHING insert; answers the ids that were new. */
async function insertChunks(db: Pick<Drizzle, 'execute'>, rows: NewEventRow[]): Promise<Set<string>> {
  const inserted = new Set<string>()
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const chunk = rows.slice(i, i + INSERT_CHUNK)
    const result = await db.execute<{ id: string }>(sql`
      insert into events (id, platform, room, origin, type, uid, event_time, received_at, paid, price_normalized, data)
      select id, platform, room, origin, type, uid, event_time, received_at, paid, price_normalized, data
      from jsonb_to_recordset(${JSON.stringify(chunk.map(recordOf))}::jsonb) as r(
        id text, platform text, room text, origin bigint, type text, uid text, event_time bigint,
        received_at bigint, paid boolean, price_normalized double precision, data jsonb)
      on conflict do nothing
      returning id`)
    for (const r of rowsOf<{ id: string }>(result)) inserted.add(r.id)
  }
  return inserted
}

export interface ListQuery {
  platform: Platform
  room: string
  /** Only paid events (the default of GET /events/:room). */
  paidOnly: boolean
  /** Event time ≥ this (ms). */
  since: number
  /** Event time < this (ms); absent = no upper bound. */
  until?: number
  limit: number
}

export interface StreamFilter {
  /** `platform:key` pairs; empty = every room. */
  rooms?: Array<{ platform: Platform; room: string }>
  types?: string[]
}

/** Reads and writes of the `events` table. Both drivers share this code. */
export class EventStore {
  /** Batches whose COPY met an id already in the table (then only the new rows are copied). */
  copyConflicts = 0
  /** Ids this store has written or found stored lately: their repeats never reach the database. */
  private readonly known = new RecentIds(RECENT_IDS)

  /** `copier`: COPY rows where the database offers it (PostgreSQL); INSERT otherwise. */
  constructor(
    private readonly db: Drizzle,
    private readonly copier?: RowCopier,
  ) {}

  /** Encode a row for COPY as it is queued (see WriterSink.prepare); nothing to do for INSERT. */
  prepare(row: NewEventRow): void {
    this.copier?.prepare(row)
  }

  /**
   * Insert rows, skipping ids already stored. Returns the ids that were new.
   *
   * Repeats inside the batch and ids this store wrote lately are dropped in memory first. With a
   * copier the rest goes as one COPY, PostgreSQL's fastest intake (about twice INSERT's rate in
   * the ingest benchmark). A COPY is all or nothing: if an id is in the table already (another
   * node, an upload, a replay older than the memory), it fails whole with a unique violation; the
   * store then asks which ids exist and copies the others. Should a concurrent writer add one
   * in between, INSERT … ON CONFLICT settles the batch. Any other error goes to the caller.
   */
  async insertRows(rows: NewEventRow[]): Promise<Set<string>> {
    const { unseen, ids } = this.withoutKnown(rows)
    const inserted = this.copier ? await this.copyNew(this.copier, unseen, ids) : await this.insertOnConflict(unseen)
    for (const r of unseen) this.known.add(r.id)
    return inserted
  }

  /** The rows whose ids are neither known nor repeated in the batch, and those ids. */
  private withoutKnown(rows: NewEventRow[]): { unseen: NewEventRow[]; ids: Set<string> } {
    const ids = new Set<string>()
    const unseen = rows.filter((r) => {
      if (this.known.has(r.id)) return false
      // One lookup for "seen in this batch?" and "remember it": the size says which.
      const before = ids.size
      ids.add(r.id)
      return ids.size > before
    })
    return { unseen, ids }
  }

  /** `ids`: the rows' ids, returned as the inserted ones when the first COPY succeeds. */
  private async copyNew(copier: RowCopier, rows: NewEventRow[], ids: Set<string>): Promise<Set<string>> {
    try {
      await copier.copy(rows)
      return ids
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
    }
    this.copyConflicts++
    const stored = await this.storedIds(rows.map((r) => r.id))
    const fresh = rows.filter((r) => !stored.has(r.id))
    try {
      await copier.copy(fresh)
      return new Set(fresh.map((r) => r.id))
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      return this.insertOnConflict(fresh)
    }
  }

  /** Which of these ids the table holds. The list goes as one jsonb parameter, not one per id. */
  private async storedIds(ids: string[]): Promise<Set<string>> {
    const result = await this.db.execute<{ id: string }>(
      sql`select id from events where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    )
    return new Set(rowsOf<{ id: string }>(result).map((r) => r.id))
  }

  /**
   * The whole batch goes as ONE jsonb parameter expanded by jsonb_to_recordset, not as
   * drizzle's `values()` with 11 bind parameters per row: profiling the ingest benchmark showed
   * building that statement (drizzle's SQL assembly and parameter typing) took over half of
   * lef's CPU, and capped end-to-end ingest well below what PostgreSQL accepts.
   */
  private insertOnConflict(rows: NewEventRow[]): Promise<Set<string>> {
    return insertChunks(this.db, rows)
  }

  /**
   * New positions (seq) for stored rows, after every row stored so far, in the order given:
   * the writer's restamp (see EventWriter.restamp). Ids not in the table are ignored.
   */
  async restamp(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += RESTAMP_CHUNK) await this.restampChunk(ids.slice(i, i + RESTAMP_CHUNK))
  }

  private async restampChunk(ids: string[]): Promise<void> {
    await this.db.execute(sql`
      with given as (
        select value as id, ord from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) with ordinality as t(value, ord)
      ), renumbered as (
        select id, nextval(pg_get_serial_sequence('events', 'seq')) as seq from (select id from given order by ord) o
      )
      update events e set seq = renumbered.seq from renumbered where e.id = renumbered.id`)
  }

  /** All-or-nothing insert (uploads): every row commits or none does. */
  async insertRowsAtomically(rows: NewEventRow[]): Promise<Set<string>> {
    return this.atomically((insert) => insert(rows))
  }

  /**
   * All-or-nothing insert fed piece by piece (streamed uploads): `work` gets an `insert` for
   * rows, all in one transaction; if `work` throws, nothing it inserted is stored.
   */
  async atomically<T>(work: (insert: (rows: NewEventRow[]) => Promise<Set<string>>) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => work((rows) => insertChunks(tx, rows)))
  }

  /** Events of one room, oldest first. */
  async list(q: ListQuery): Promise<LefEvent[]> {
    const where: SQL[] = [eq(events.platform, q.platform), eq(events.room, q.room), gte(events.eventTime, q.since)]
    if (q.until !== undefined) where.push(lt(events.eventTime, q.until))
    if (q.paidOnly) where.push(eq(events.paid, true))
    const rows = await this.db
      .select({ data: events.data })
      .from(events)
      .where(and(...where))
      .orderBy(asc(events.eventTime), asc(events.seq))
      .limit(q.limit)
    return rows.map((r) => r.data)
  }

  /** The insertion sequence number of a stored event, or undefined if it is not stored. */
  async seqOf(id: string): Promise<bigint | undefined> {
    const rows = await this.db.select({ seq: events.seq }).from(events).where(eq(events.id, id)).limit(1)
    return rows[0]?.seq
  }

  /**
   * Stored events inserted after `afterSeq`, in insertion order, matching a stream filter.
   * SSE `Last-Event-ID` and the bridge's `?since=` resume through this.
   */
  async after(afterSeq: bigint, filter: StreamFilter, limit: number): Promise<Array<{ seq: bigint; event: LefEvent }>> {
    const where: SQL[] = [gt(events.seq, afterSeq)]
    if (filter.types && filter.types.length > 0) where.push(inArray(events.type, filter.types))
    if (filter.rooms && filter.rooms.length > 0) {
      const pairs = filter.rooms.map((r) => and(eq(events.platform, r.platform), eq(events.room, r.room)) as SQL)
      where.push(sql`(${sql.join(pairs, sql` or `)})`)
    }
    const rows = await this.db
      .select({ seq: events.seq, data: events.data })
      .from(events)
      .where(and(...where))
      .orderBy(asc(events.seq))
      .limit(limit)
    return rows.map((r) => ({ seq: r.seq, event: r.data }))
  }

  /**
   * Delete events received before `cutoff` (ms), in slices so a large prune never holds one
   * huge transaction. Returns how many were deleted.
   */
  async pruneBefore(cutoff: number, slice = 5000): Promise<number> {
    let total = 0
    for (;;) {
      const victims = this.db.select({ id: events.id }).from(events).where(lt(events.receivedAt, cutoff)).limit(slice)
      const rows = await this.db.delete(events).where(inArray(events.id, victims)).returning({ id: events.id })
      total += rows.length
      if (rows.length < slice) return total
    }
  }

  async count(): Promise<number> {
    const rows = await this.db.select({ n: sql<number>`count(*)::int` }).from(events)
    return rows[0]?.n ?? 0
  }
}
