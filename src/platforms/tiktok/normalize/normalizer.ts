import type { Logger } from 'pino'
import { DEFAULT_PRICING, roomOrigin, type LefEvent } from '../../../events'
import type { BaseProtoMessage } from '../../../gen/tiktok/push_pb'
import { Method } from '../protocol'
import { handleChat } from './chat'
import type { HandlerOutput, NormalizeContext, NormalizeContextInput } from './context'
import { handleControl } from './control'
import { createGiftHandler, giftEvent } from './gift'
import type { GiftStreakTracker } from './gift-streak'
import { handleLike } from './like'
import { handleMember } from './member'
import { handleRoomUserSeq } from './room-user-seq'
import { handleSocial } from './social'

type Handler = (payload: Uint8Array, ctx: NormalizeContext) => HandlerOutput

/** Counts of what the normaliser could not use: readable by tests, /info and metrics. */
export interface NormalizeCounters {
  /** Messages whose method we have no handler for, per method. */
  unknownMethods: Map<string, number>
  unknownTotal: number
  /** Messages of a known method whose payload did not decode. */
  decodeErrors: number
  /** Streaks emitted without their end frame (timed out or cut by the live ending). */
  expiredStreaks: number
}

export function createCounters(): NormalizeCounters {
  return { unknownMethods: new Map(), unknownTotal: 0, decodeErrors: 0, expiredStreaks: 0 }
}

export interface NormalizerDeps {
  ctx: NormalizeContextInput
  streaks: GiftStreakTracker
  counters: NormalizeCounters
  log: Logger
}

export interface Normalizer {
  /** One inner message → events; `streamEnded` when the live is over. Never throws. */
  handle(message: BaseProtoMessage): HandlerOutput
}

export function createNormalizer(deps: NormalizerDeps): Normalizer {
  const { streaks, counters, log } = deps
  const ctx: NormalizeContext = { ...deps.ctx, origin: deps.ctx.origin ?? roomOrigin('tiktok', deps.ctx.room), pricing: deps.ctx.pricing ?? DEFAULT_PRICING }
  const handlers: Record<Method, Handler> = {
    [Method.Chat]: handleChat,
    [Method.Gift]: createGiftHandler(streaks),
    [Method.Like]: handleLike,
    [Method.Member]: handleMember,
    [Method.Social]: handleSocial,
    [Method.RoomUserSeq]: handleRoomUserSeq,
    [Method.Control]: handleControl,
  }

  function expired(all: boolean): LefEvent[] {
    const out = streaks.expire(all)
    if (out.length === 0) return []
    counters.expiredStreaks += out.length
    log.info({ streaks: out.length }, 'tiktok gift streaks ended without their end frame; counted as they stood')
    return out.map((s) => giftEvent(s.msg, s.count, true, ctx))
  }

  return {
    handle(message) {
      const late = expired(false)
      const handler = (handlers as Record<string, Handler | undefined>)[message.method]
      if (!handler) {
        counters.unknownTotal++
        counters.unknownMethods.set(message.method, (counters.unknownMethods.get(message.method) ?? 0) + 1)
        log.debug({ method: message.method }, 'tiktok message method not mapped; skipped')
        return { events: late }
      }
      let out: HandlerOutput
      try {
        out = handler(message.payload, ctx)
      } catch (err) {
        counters.decodeErrors++
        log.warn({ method: message.method, msgId: message.msgId, err: (err as Error).message }, 'tiktok message did not decode; skipped')
        return { events: late }
      }
      // The live is over: no end frame will come for streaks still running.
      const flushed = out.streamEnded ? expired(true) : []
      return { events: [...late, ...flushed, ...out.events], ...(out.streamEnded ? { streamEnded: true } : {}) }
    },
  }
}
