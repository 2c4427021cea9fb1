import { eventId, hashedEventId } from '../../../events'
import type { Common } from '../../../gen/douyin/data_pb'
import type { MessageMeta, NormalizeContext } from './context'

/** Event time in ms: the message's create_time, else receipt time. */
export function eventTime(common: Common | undefined, ctx: NormalizeContext): number {
  const t = common?.createTime ?? 0n
  return t > 0n ? Number(t) : ctx.now()
}

/** The message id: Common.msg_id, else the outer Message.msg_id; 0n when neither has one. */
export function messageId(common: Common | undefined, meta: MessageMeta): bigint {
  const id = common?.msgId ?? 0n
  return id !== 0n ? id : meta.msgId
}

/**
 * A deterministic id: `dy:<kind>:<msgId>` when upstream gave one; else a hash of the room and
 * the identifying fields (scrubbed captures and some message types carry no msg id).
 */
export function douyinEventId(kind: string, common: Common | undefined, meta: MessageMeta, ctx: NormalizeContext, ...parts: Array<string | number | bigint>): string {
  const id = messageId(common, meta)
  if (id !== 0n) return eventId('douyin', kind, id)
  return hashedEventId('douyin', kind, ctx.room, meta.method, ...parts)
}

/** Fields every Douyin event carries. */
export function baseFields(ctx: NormalizeContext, time: number) {
  // originIdx: the room supervisor stamps the room's index in /info's list.
  return { origin: ctx.origin, originIdx: 0, platform: 'douyin' as const, room: ctx.room, timestamp: time, timestampNormalized: time, read: false }
}
