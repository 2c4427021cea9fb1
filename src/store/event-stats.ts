import { sql } from 'drizzle-orm'
import { CURRENCY, type Platform } from '../events'
import type { Drizzle } from './db'

export interface RoomActivity {
  platform: Platform
  room: string
  /** Events received in the window. */
  events: number
  perMinute: number
  /** Its newest stored event time up to now (ms, not bounded by the window); null when it has none. */
  lastEventAt: number | null
}

export interface PaidDay {
  platform: Platform
  room: string
  /** YYYY-MM-DD in the requested time zone. */
  day: string
  currency: 'CNY' | 'USD'
  count: number
  total: number
}

export interface PaidHour {
  platform: Platform
  room: string
  /** Start of the hour, ms since epoch. */
  hour: number
  currency: 'CNY' | 'USD'
  total: number
}

/** Rows of a raw `execute`: postgres.js returns an array, PGlite `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}

/** Aggregates the dashboard shows, computed in the database (every node's events, not just this one's). */
export class EventStats {
  constructor(private readonly db: Drizzle) {}

  /**
   * Events per room of the `rooms` table whose event time falls in the last `windowMs`. One
   * index range read per room (events_room_time_idx), however large the table.
   */
  async activity(windowMs: number, now: number): Promise<RoomActivity[]> {
    const since = now - windowMs
    const rows = rowsOf<{ platform: Platform; room: string; events: number | string; last_event_at: number | string | null }>(
      await this.db.execute(sql`
        select r.platform, r.room, a.events, l.last_event_at
        from (
          -- Bilibili events carry the long room id, which the holder's status knows for a short id.
          select platform, case when platform = 'bilibili' then coalesce(status->'info'->>'roomId', key) else key end as room
          from rooms
        ) r
        cross join lateral (
          select count(*)::int as events
          from events e where e.platform = r.platform and e.room = r.room and e.event_time >= ${since} and e.event_time <= ${now}
        ) a
        left join lateral (
          select e.event_time as last_event_at
          from events e where e.platform = r.platform and e.room = r.room and e.event_time <= ${now}
          order by e.event_time desc limit 1
        ) l on true
        order by r.platform, r.room`),
    )
    const minutes = windowMs / 60_000
    return rows.map((r) => ({
      platform: r.platform, room: r.room, events: Number(r.events), perMinute: Math.round((Number(r.events) / minutes) * 10) / 10,
      lastEventAt: r.last_event_at === null ? null : Number(r.last_event_at),
    }))
  }

  /** Paid totals per room per calendar day (in `timeZone`) since `since`, in each platform's own currency (see toEventRow). */
  async paidByDay(since: number, timeZone: string): Promise<PaidDay[]> {
    const rows = rowsOf<{ platform: Platform; room: string; day: string; count: number | string; total: number | string }>(
      await this.db.execute(sql`
        select platform, room, to_char(to_timestamp(event_time / 1000.0) at time zone ${timeZone}, 'YYYY-MM-DD') as day,
               count(*)::int as count, sum(price_normalized)::float8 as total
        from events where paid and event_time >= ${since}
        group by 1, 2, 3 order by 3 desc, 1, 2`),
    )
    return rows.map((r) => ({ platform: r.platform, room: r.room, day: r.day, currency: CURRENCY[r.platform], count: Number(r.count), total: roundMoney(Number(r.total)) }))
  }

  /** Paid totals per room per hour since `since` (the dashboard's chart). */
  async paidByHour(since: number): Promise<PaidHour[]> {
    const rows = rowsOf<{ platform: Platform; room: string; hour: number | string; total: number | string }>(
      await this.db.execute(sql`
        select platform, room, (event_time / 3600000) * 3600000 as hour, sum(price_normalized)::float8 as total
        from events where paid and event_time >= ${since}
        group by 1, 2, 3 order by 3, 1, 2`),
    )
    return rows.map((r) => ({ platform: r.platform, room: r.room, hour: Number(r.hour), currency: CURRENCY[r.platform], total: roundMoney(Number(r.total)) }))
  }
}

/**
 * Sums of doubles carry noise (0.1 + 0.2); four decimals drop it. Not cents: TikTok coins are
 * worth about a cent, and per-bucket rounding to cents would make the buckets not add up.
 */
function roundMoney(n: number): number {
  return Math.round(n * 10_000) / 10_000
}
