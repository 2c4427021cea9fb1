import { fromBinary } from '@bufbuild/protobuf'
import type { System } from '@laplace.live/event-types'
import { FansclubMessageSchema } from '../../../gen/douyin/messages_pb'
import { baseFields, douyinEventId, eventTime } from './base'
import type { DouyinEvent, MessageMeta, NormalizeContext } from './context'
import { safeUid, userIdString } from './user'

/**
 * WebcastFansclubMessage (joined / levelled up in the fans club) → system. Not interaction:
 * interaction.action is a fixed set (enter, follow, share, …) that LAPLACE clients render by
 * code, and none means "fans club"; a system line keeps Douyin's own sentence instead.
 */
export function handleFansclub(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(FansclubMessageSchema, payload)
  const time = eventTime(m.common, ctx)
  const uid = userIdString(m.user)
  const name = m.user?.nickname ?? ''
  const text = m.content || m.common?.describe || `${name} 加入了粉丝团`
  ctx.emit({
    type: 'system',
    id: douyinEventId('fansclub', m.common, meta, ctx, uid, time, m.action),
    ...baseFields(ctx, time),
    uid: safeUid(uid),
    username: name,
    message: text,
  } satisfies DouyinEvent<System>)
}
