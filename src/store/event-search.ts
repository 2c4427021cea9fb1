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
  /** Only events before this event time (ms): the next page starts where the last ended. */
  before?: number
  limit: number
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
  const rows = await db
    .select({ data: events.data })
    .from(events)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(events.eventTime), desc(events.seq))
    .limit(q.limit)
  return rows.map((r) => r.data)
}
