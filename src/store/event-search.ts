import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { LefEvent, Platform } from '../events'
import type { Drizzle } from './db'
import { events } from './schema'

export interface SearchQuery {
  room?: { platform: Platform; room: string }
  types?: string[]
  /** A uid (exact) or part of a username (case-insensitive). */
  user?: string
  /** Part of the message text (case-insensitive). */
  text?: string
  /** Only events before this event time (ms). */
  before?: number
  /**
   * Only events after this stored event in the result order (older, or as old and stored
   * earlier): the last result's id, for the next page. Unlike `before`, it never skips the rest
   * of a group of events that share the last result's time.
   */
  beforeId?: string
  limit: number
}

/** `beforeId` names no stored event. */
export class UnknownCursorError extends Error {
  override name = 'UnknownCursorError'
}

/** `%`, `_` and `\` are LIKE syntax; a user typing them means the characters. */
function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** Search stored events, newest first (the dashboard's search view and `GET /events/search`). */
export async function searchEvents(db: Drizzle, q: SearchQuery): Promise<LefEvent[]> {
  const where: SQL[] = []
  if (q.room) where.push(eq(events.platform, q.room.platform), eq(events.room, q.room.room))
  if (q.types && q.types.length > 0) where.push(inArray(events.type, q.types))
  if (q.user) where.push(sql`(${events.uid} = ${q.user} or ${events.data}->>'username' ilike ${likePattern(q.user)})`)
  if (q.text) where.push(sql`${events.data}->>'message' ilike ${likePattern(q.text)}`)
  if (q.before !== undefined) where.push(sql`${events.eventTime} < ${q.before}`)
  if (q.beforeId !== undefined) {
    const [cursor] = await db.select({ time: events.eventTime, seq: events.seq }).from(events).where(eq(events.id, q.beforeId)).limit(1)
    if (!cursor) throw new UnknownCursorError(`beforeId ${JSON.stringify(q.beforeId)} is not a stored event`)
    // The order below, as one row comparison: (time, seq) strictly after the cursor's.
    where.push(sql`(${events.eventTime}, ${events.seq}) < (${cursor.time}, ${cursor.seq})`)
  }
  const rows = await db
    .select({ data: events.data })
    .from(events)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(events.eventTime), desc(events.seq))
    .limit(q.limit)
  return rows.map((r) => r.data)
}
