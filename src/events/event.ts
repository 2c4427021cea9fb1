import type { LaplaceEvent, LaplaceEventTypes } from '@laplace.live/event-types'
import type { Platform } from './platform'

export type { LaplaceEvent, LaplaceEventTypes }

/**
 * A LaplaceEvent as lef emits it: the upstream LaplaceEvent plus two fields plain LAPLACE
 * clients ignore. `room` is the room's stable key (Bilibili long room id, Douyin web_rid,
 * TikTok uniqueId without `@`); `origin` is the number LAPLACE clients match on (roomOrigin),
 * `originIdx` the room's index in `/info` (stamped by the room supervisor). Paid events also
 * carry lef's PriceFields (`currency`, `priceOriginal`, `currencyOriginal`).
 */
export type LefEvent = LaplaceEvent & {
  platform: Platform
  room: string
}

/** Every LaplaceEvent `type` literal, checked against the package's union at compile time. */
export const EVENT_TYPES = [
  'toast', 'gift', 'superchat', 'mvp', 'red-envelope-start',
  'system', 'interaction', 'entry-effect', 'message', 'superchat-delete', 'user-block',
  'live-warning', 'live-cutoff', 'like-click', 'red-envelope-result', 'lottery-start',
  'lottery-result', 'room-name-update', 'room-mute-on', 'room-mute-off', 'watched-update',
  'likes-update', 'online-update', 'live-start', 'live-end', 'live', 'preparing', 'notice',
  'effect-message', 'online-rank-update', 'message-recall', 'room-meta-update', 'mod-assign',
  'mod-revoke', 'mod-list',
] as const satisfies readonly LaplaceEventTypes[]

// Fails to compile if the package gains a type this list lacks.
type Missing = Exclude<LaplaceEventTypes, (typeof EVENT_TYPES)[number]>
const _exhaustive: [Missing] extends [never] ? true : Missing = true
void _exhaustive

export type EventType = (typeof EVENT_TYPES)[number]

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value)
}

/** The "paid" set (`LaplaceEventGeneralGifts`): what `GET /events/:room` returns by default. */
export const PAID_TYPES = ['gift', 'superchat', 'toast', 'mvp', 'red-envelope-start'] as const satisfies readonly EventType[]

/** Paid = a general-gift type, except gifts bought with silver (free) coins. */
export function isPaid(event: { type: string; coinType?: unknown }): boolean {
  if (!(PAID_TYPES as readonly string[]).includes(event.type)) return false
  return event.type !== 'gift' || event.coinType !== 'silver'
}
