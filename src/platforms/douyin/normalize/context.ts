import type { LaplaceEvent } from '@laplace.live/event-types'
import type { Logger } from 'pino'
import type { LefEvent, Pricing } from '../../../events'
import type { GiftComboTracker } from './gift-combo'
import type { GiftFacts } from './gift'

/** A LaplaceEvent of one type as lef emits it from Douyin. */
export type DouyinEvent<T extends LaplaceEvent> = T & { platform: 'douyin'; room: string }

/** What the handlers need about the room and where their events go. */
export interface NormalizeContext {
  /** web_rid: the event's `room`. */
  room: string
  /** roomOrigin('douyin', web_rid): the web_rid itself when it is a safe integer, else a number derived from it. */
  origin: number
  /** Converts diamond prices (CNY) into PRICE_CURRENCY for `priceNormalized`. */
  pricing: Pricing
  /** Anchor uid (string), to mark the anchor's own chat. */
  anchorUid: string
  /** Anchor nickname, for live start/end events. */
  anchorName: string
  now(): number
  emit(event: LefEvent): void
  combos: GiftComboTracker<GiftFacts>
  log: Logger
}

/** The outer Message's facts a handler may need when its own Common lacks them. */
export interface MessageMeta {
  method: string
  msgId: bigint
}

