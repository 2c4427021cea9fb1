import { fromBinary } from '@bufbuild/protobuf'
import type { LikeClick, LikesUpdate } from '@laplace.live/event-types'
import { WebcastLikeMessageSchema } from '../../../gen/tiktok/messages_pb'
import { envelope, messageId, NO_MEDAL } from './common'
import type { HandlerOutput, NormalizeContext, TikTokEnvelope, TikTokUserExtras } from './context'
import { userFields } from './user'

/** One like message carries a viewer's taps (`count`) and the room's running total. */
export function handleLike(payload: Uint8Array, ctx: NormalizeContext): HandlerOutput {
  const msg = fromBinary(WebcastLikeMessageSchema, payload)
  const user = userFields(msg.user)
  const base = envelope(msg.common, ctx)
  const fallback = [user.uidStr, msg.common?.createTime, msg.count, msg.total]
  const click = {
    type: 'like-click',
    id: messageId(msg.common, 'like', fallback),
    ...base,
    ...user,
    message: `liked the LIVE x${msg.count}`,
    medal: NO_MEDAL,
    likeCount: msg.count,
  } satisfies LikeClick & TikTokEnvelope & TikTokUserExtras & { likeCount: number }
  const total = {
    type: 'likes-update',
    id: messageId(msg.common, 'likes', fallback, 'total'),
    ...base,
    uid: 0,
    username: '',
    message: `${msg.total} likes`,
    likes: msg.total,
  } satisfies LikesUpdate & TikTokEnvelope
  return { events: msg.total > 0 ? [click, total] : [click] }
}
