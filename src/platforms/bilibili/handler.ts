import type { LaplaceEvent } from '@laplace.live/event-types'
import type { Pricing } from '../../events'
import type { Json } from './fields'

/** What a cmd handler may use besides the message itself. */
export interface HandlerContext {
  /** Long room id: every event's `origin`. */
  roomId: number
  /** The anchor's uid (0 when unknown): their danmaku get userType 100. */
  anchorUid: number
  /** Receive time (ms), for events whose upstream message carries no time. */
  now(): number
  /** Converts paid amounts (all CNY on Bilibili) into PRICE_CURRENCY for `priceNormalized`. */
  pricing: Pricing
  /** LIVE / PREPARING report the room's live state here. */
  setLive(live: boolean): void
  /**
   * True the first time `key` comes up in `minute` (a minuteBucket; it is remembered until a
   * later minute comes up); false for a repeat, which is counted as a duplicate.
   */
  firstInMinute(minute: number, key: string): boolean
}

/**
 * One cmd → zero or more LaplaceEvents (without `platform`/`room`; the normaliser adds them).
 * May throw on odd data: the normaliser catches, counts and logs it with the cmd.
 */
export type CmdHandler = (msg: Json, ctx: HandlerContext) => LaplaceEvent | LaplaceEvent[] | null

// Every event literal sets the fields all LaplaceEvents share right after `type`, written out
// (`origin: ctx.roomId, originIdx: 0, read: false`) rather than spread from a helper: the
// spread's property copy was ~2% of the normaliser.

/** Coarse receive-time bucket for ids of messages with neither id nor time: two nodes (or a
 * replay) seeing the same state change within the same minute agree on the id. */
export function minuteBucket(ctx: HandlerContext): number {
  return Math.floor(ctx.now() / 60_000)
}
