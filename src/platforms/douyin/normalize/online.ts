import { fromBinary } from '@bufbuild/protobuf'
import type { OnlineUpdate } from '@laplace.live/event-types'
import type { Common } from '../../../gen/douyin/data_pb'
import { RoomStatsMessageSchema, RoomUserSeqMessageSchema } from '../../../gen/douyin/messages_pb'
import { baseFields, douyinEventId, eventTime } from './base'
import type { DouyinEvent, MessageMeta, NormalizeContext } from './context'

function onlineEvent(ctx: NormalizeContext, meta: MessageMeta, kind: string, common: Common | undefined, online: number, message: string): DouyinEvent<OnlineUpdate> {
  const time = eventTime(common, ctx)
  return {
    type: 'online-update',
    id: douyinEventId(kind, common, meta, ctx, time, online),
    ...baseFields(ctx, time),
    uid: 0,
    username: '',
    message,
    count: online,
    online,
    read: false,
  } satisfies DouyinEvent<OnlineUpdate>
}

/** WebcastRoomUserSeqMessage → online-update with the current online count (`total`). */
export function handleRoomUserSeq(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(RoomUserSeqMessageSchema, payload)
  const online = Number(m.total)
  ctx.emit(onlineEvent(ctx, meta, 'user-seq', m.common, online, `${online}在线观众`))
}

/** WebcastRoomStatsMessage → online-update with its display value and text ("160在线观众"). */
export function handleRoomStats(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(RoomStatsMessageSchema, payload)
  const online = Number(m.displayValue || m.total)
  ctx.emit(onlineEvent(ctx, meta, 'room-stats', m.common, online, m.displayLong || `${online}在线观众`))
}
