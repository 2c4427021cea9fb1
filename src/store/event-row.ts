import { isPaid, type LefEvent } from '../events'
import type { NewEventRow } from './schema'

/** Upstream timestamps are ms or s depending on the cmd; anything below 1e12 is seconds. */
export function toEpochMs(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined
  return n < 1e12 ? Math.round(n * 1000) : Math.round(n)
}

/**
 * The user's id as text: the exact `uidStr` where the event has one (TikTok and Douyin ids pass
 * 2^53, where the numeric `uid` is 0), else the numeric uid; null when there is none.
 */
export function exactUid(event: LefEvent): string | null {
  const e = event as unknown as Record<string, unknown>
  const exact = e.uidStr
  if (typeof exact === 'string' && exact !== '' && exact !== '0') return exact
  const uid = e.uid
  return uid === undefined || uid === null || uid === 0 || uid === '' ? null : String(uid)
}

/**
 * The indexed columns of an event, derived from the event itself. The price column holds what
 * the platform charged in its own currency (`priceOriginal`; events without it, from before
 * PRICE_CURRENCY or uploaded from LAPLACE, carry that amount in `priceNormalized`), so the
 * per-currency totals mean the same whatever PRICE_CURRENCY was when the event came in.
 */
export function toEventRow(event: LefEvent, receivedAt: number): NewEventRow {
  const e = event as unknown as Record<string, unknown>
  const price = typeof e.priceOriginal === 'number' ? e.priceOriginal : e.priceNormalized
  const origin = typeof e.origin === 'number' && Number.isSafeInteger(e.origin) ? e.origin : 0
  return {
    id: event.id,
    platform: event.platform,
    room: event.room,
    origin,
    type: event.type,
    uid: exactUid(event),
    eventTime: toEpochMs(e.timestampNormalized) ?? toEpochMs(e.timestamp) ?? receivedAt,
    receivedAt,
    paid: isPaid(event),
    priceNormalized: typeof price === 'number' && Number.isFinite(price) ? price : 0,
    data: event,
  }
}
