import type { Message } from '@laplace.live/event-types'
import { eventId, hashedEventId } from '../../../events'
import type { CommonMessageData } from '../../../gen/tiktok/messages_pb'
import type { NormalizeContext, TikTokEnvelope } from './context'

// The medal type, taken from event-types so we need not depend on its internal package.
type FansMedal = Message['medal']

/** TikTok has no fan medals: the "none" medal LAPLACE clients expect. */
export const NO_MEDAL: FansMedal = { level: 0, name: '', room: 0, guardType: 0, lightened: 0 }

/** Message time in ms: the server's createTime, else now. */
export function messageTime(common: CommonMessageData | undefined, ctx: NormalizeContext): number {
  const t = Number(common?.createTime ?? '0')
  return Number.isSafeInteger(t) && t > 0 ? t : ctx.now()
}

/**
 * Deterministic id: `tt:<msgId>` from the common header; `suffix` tells apart several events
 * made from one message. Without a msgId, a hash of what identifies the message.
 */
export function messageId(common: CommonMessageData | undefined, kind: string, fallbackParts: unknown[], suffix?: string): string {
  const msgId = common?.msgId ?? '0'
  if (msgId !== '0' && msgId !== '') return suffix ? eventId('tiktok', msgId, suffix) : eventId('tiktok', msgId)
  return hashedEventId('tiktok', kind, ...fallbackParts.map((p) => (p === undefined || p === null ? null : String(p))), suffix)
}

/** platform, room, origin (derived from the uniqueId: see roomOrigin), time, read flag. */
export function envelope(common: CommonMessageData | undefined, ctx: NormalizeContext) {
  const ts = messageTime(common, ctx)
  return {
    platform: 'tiktok',
    room: ctx.room,
    origin: ctx.origin,
    // The room supervisor stamps the room's index in /info's list.
    originIdx: 0,
    timestamp: ts,
    timestampNormalized: ts,
    read: false,
  } as const satisfies TikTokEnvelope & Record<string, unknown>
}
