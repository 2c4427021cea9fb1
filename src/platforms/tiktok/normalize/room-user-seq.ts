import { fromBinary } from '@bufbuild/protobuf'
import type { OnlineUpdate } from '@laplace.live/event-types'
import { WebcastRoomUserSeqMessageSchema } from '../../../gen/tiktok/messages_pb'
import { envelope, messageId } from './common'
import type { HandlerOutput, NormalizeContext, TikTokEnvelope } from './context'

/** Viewer count: `total` is viewers now, `totalUser` everyone who came during this live. */
export function handleRoomUserSeq(payload: Uint8Array, ctx: NormalizeContext): HandlerOutput {
  const msg = fromBinary(WebcastRoomUserSeqMessageSchema, payload)
  const online = Number(msg.total)
  const event = {
    type: 'online-update',
    id: messageId(msg.common, 'online', [msg.common?.createTime, msg.total, msg.totalUser]),
    ...envelope(msg.common, ctx),
    uid: 0,
    username: '',
    message: `${online} watching`,
    count: online,
    online,
    totalViewers: Number(msg.totalUser),
  } satisfies OnlineUpdate & TikTokEnvelope & { totalViewers: number }
  return { events: [event] }
}
