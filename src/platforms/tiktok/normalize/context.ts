import type { LefEvent, Pricing } from '../../../events'

/** What every handler needs to know about the room it normalises for. */
export interface NormalizeContext {
  /** The room key: uniqueId without `@`. */
  room: string
  /** The room's `origin`: roomOrigin('tiktok', room), as `/info` lists it. */
  origin: number
  /** USD per coin: a gift's original price in USD. */
  coinUsd: number
  /** Converts that USD price into PRICE_CURRENCY for `priceNormalized`. */
  pricing: Pricing
  /** The streamer's user id, when known: their own chat gets LAPLACE userType 100. */
  hostUid?: string
  /** Fallback time when a message carries none. */
  now: () => number
}

/** The context as a caller gives it: `origin` and `pricing` default to the room's origin and CNY. */
export type NormalizeContextInput = Omit<NormalizeContext, 'origin' | 'pricing'> & Partial<Pick<NormalizeContext, 'origin' | 'pricing'>>

/** A handler's answer: events to emit, and whether the live just ended. */
export interface HandlerOutput {
  events: LefEvent[]
  streamEnded?: boolean
}

export const NOTHING: HandlerOutput = { events: [] }

/** Fields every TikTok event shares beyond the LaplaceEvent (plain LAPLACE clients ignore them). */
export interface TikTokEnvelope {
  platform: 'tiktok'
  room: string
}

/** The user's full 64-bit id and @handle: `uid` is a number and cannot hold TikTok ids. */
export interface TikTokUserExtras {
  uidStr: string
  userUniqueId: string
}
