import type { Message } from '../../../gen/douyin/push_pb'
import { handleChat, handleEmojiChat } from './chat'
import type { MessageMeta, NormalizeContext } from './context'
import { type ControlOutcome, handleControl } from './control'
import { handleFansclub } from './fansclub'
import { handleGift } from './gift'
import { handleLike } from './like'
import { handleMember } from './member'
import { DouyinMethod } from './methods'
import { handleRoomStats, handleRoomUserSeq } from './online'
import { handleSocial } from './social'

type Handler = (payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext) => ControlOutcome | void

/** One handler per method; anything not here is counted as unknown. */
export const HANDLERS: Record<DouyinMethod, Handler> = {
  [DouyinMethod.Chat]: handleChat,
  [DouyinMethod.EmojiChat]: handleEmojiChat,
  [DouyinMethod.Gift]: handleGift,
  [DouyinMethod.Like]: handleLike,
  [DouyinMethod.Member]: handleMember,
  [DouyinMethod.Social]: handleSocial,
  [DouyinMethod.RoomUserSeq]: handleRoomUserSeq,
  [DouyinMethod.RoomStats]: handleRoomStats,
  [DouyinMethod.Control]: handleControl,
  [DouyinMethod.Fansclub]: handleFansclub,
}

/** Counters a connector exposes (for /info, metrics and tests). Plain object, mutated in place. */
export interface DouyinMessageStats {
  /** Messages seen, by method (mapped or not). */
  byMethod: Record<string, number>
  /** Methods lef does not map, with counts. */
  unknownMethods: Record<string, number>
  /** Payloads that failed to decode, by method. */
  decodeErrors: Record<string, number>
}

export function createMessageStats(): DouyinMessageStats {
  return { byMethod: {}, unknownMethods: {}, decodeErrors: {} }
}

function bump(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1
}

function isMapped(method: string): method is DouyinMethod {
  return Object.hasOwn(HANDLERS, method)
}

/**
 * Route one Message to its handler. A payload that fails to decode is logged and counted, never
 * thrown: one bad message must not cost the rest of its frame.
 */
export function dispatchMessage(msg: Message, ctx: NormalizeContext, stats: DouyinMessageStats): ControlOutcome {
  const method = msg.method
  bump(stats.byMethod, method)
  if (!isMapped(method)) {
    if (stats.unknownMethods[method] === undefined) ctx.log.debug({ method }, 'douyin: unmapped message method')
    bump(stats.unknownMethods, method)
    return 'none'
  }
  try {
    return HANDLERS[method](msg.payload, { method, msgId: msg.msgId }, ctx) ?? 'none'
  } catch (err) {
    bump(stats.decodeErrors, method)
    ctx.log.warn({ method, bytes: msg.payload.length, err: (err as Error).message }, 'douyin: message payload skipped (decode failed)')
    return 'none'
  }
}
