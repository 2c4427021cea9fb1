import { and, asc, eq, gt, gte, inArray, lt, sql, type SQL } from 'drizzle-orm'
import type { LefEvent, Platform } from '../events'
import type { Drizzle } from './db'
import { events, type NewEventRow } from './schema'

// PostgreSQL allows 65535 bind parameters per statement; 12 columns × 1000 rows stays far below.
const INSERT_CHUNK = 1000

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
  constructor(private readonly db: Drizzle) {}

  /** Insert rows, skipping ids already stored. Returns the ids that were new. */
  async insertRows(rows: NewEventRow[]): Promise<Set<string>> {
    const inserted = new Set<string>()
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK)
      const result = await this.db.insert(events).values(chunk).onConflictDoNothing().returning({ id: events.id })
      for (const r of result) inserted.add(r.id)
    }
    return inserted
  }

  /** All-or-nothing insert (uploads): every row commits or none does. */
  async insertRowsAtomically(rows: NewEventRow[]): Promise<Set<string>> {
    return this.db.transaction(async (tx) => {
      const inserted = new Set<string>()
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = rows.slice(i, i + INSERT_CHUNK)
        const result = await tx.insert(events).values(chunk).onConflictDoNothing().returning({ id: events.id })
        for (const r of result) inserted.add(r.id)
      }
      return inserted
    })
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
