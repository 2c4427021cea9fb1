import { fromBinary } from '@bufbuild/protobuf'
import type { LikeClick } from '@laplace.live/event-types'
import { LikeMessageSchema } from '../../../gen/douyin/messages_pb'
import { baseFields, douyinEventId, eventTime } from './base'
import type { DouyinEvent, MessageMeta, NormalizeContext } from './context'
import { userFields, userIdString } from './user'

/** WebcastLikeMessage → like-click (one per batch; the batch size is in the text). */
export function handleLike(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(LikeMessageSchema, payload)
  const time = eventTime(m.common, ctx)
  const count = Number(m.count)
  ctx.emit({
    type: 'like-click',
    id: douyinEventId('like', m.common, meta, ctx, userIdString(m.user), time, m.count, m.total),
    ...baseFields(ctx, time),
    ...userFields(m.user),
    message: count > 1 ? `为主播点赞了 x${count}` : '为主播点赞了',
    guardType: 0,
  } satisfies DouyinEvent<LikeClick>)
}
