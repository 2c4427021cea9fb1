import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm'
import type { LefEvent, Platform } from '../events'
import type { Drizzle } from './db'
import { events } from './schema'

export interface ExportQuery {
  platform: Platform
  room: string
  /** Event time ≥ this (ms). */
  from?: number
  /** Event time < this (ms). */
  to?: number
  /** Rows per query; memory stays at one page whatever the range holds. */
  pageSize?: number
}

const DEFAULT_PAGE = 1000

/**
 * A room's stored events, oldest first, one page at a time. Pages follow a keyset cursor on
 * (event_time, seq) — the events_room_time index order — so each query starts where the last
 * one ended, however far into the table that is, and rows inserted meanwhile cannot shift a page.
 * A fresh upload's rows get a later seq once stored (EventStore.restamp), which can carry a row
 * already sent past the cursor within the cursor's own event_time: the ids sent at that time are
 * kept so such a row is not sent twice (rows of earlier times can never come back).
 */
export async function* exportPages(db: Drizzle, q: ExportQuery): AsyncGenerator<LefEvent[]> {
  const pageSize = q.pageSize ?? DEFAULT_PAGE
  let cursor: { time: number; seq: bigint } | undefined
  let sentAt: { time: number; ids: Set<string> } = { time: -1, ids: new Set() }
  for (;;) {
    const where: SQL[] = [eq(events.platform, q.platform), eq(events.room, q.room)]
    if (q.from !== undefined) where.push(gte(events.eventTime, q.from))
    if (q.to !== undefined) where.push(lt(events.eventTime, q.to))
    if (cursor) where.push(sql`(${events.eventTime}, ${events.seq}) > (${cursor.time}, ${cursor.seq.toString()}::bigint)`)
    const rows = await db
      .select({ id: events.id, time: events.eventTime, seq: events.seq, data: events.data })
      .from(events)
      .where(and(...where))
      .orderBy(asc(events.eventTime), asc(events.seq))
      .limit(pageSize)
    const page: LefEvent[] = []
    for (const r of rows) {
      if (r.time !== sentAt.time) sentAt = { time: r.time, ids: new Set() }
      else if (sentAt.ids.has(r.id)) continue
      sentAt.ids.add(r.id)
      page.push(r.data)
    }
    if (page.length > 0) yield page
    if (rows.length < pageSize) return
    const last = rows[rows.length - 1]!
    cursor = { time: last.time, seq: last.seq }
  }
}
