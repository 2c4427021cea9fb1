import { fromBinary } from '@bufbuild/protobuf'
import type { LiveEnd } from '@laplace.live/event-types'
import { ControlAction, WebcastControlMessageSchema } from '../../../gen/tiktok/messages_pb'
import { envelope, messageId } from './common'
import { NOTHING, type HandlerOutput, type NormalizeContext, type TikTokEnvelope } from './context'

/** Stream ended (3) or suspended by moderation (4) → live-end, and the session stops calmly. */
export function handleControl(payload: Uint8Array, ctx: NormalizeContext): HandlerOutput {
  const msg = fromBinary(WebcastControlMessageSchema, payload)
  if (msg.action !== ControlAction.STREAM_ENDED && msg.action !== ControlAction.STREAM_SUSPENDED) return NOTHING
  const suspended = msg.action === ControlAction.STREAM_SUSPENDED
  const event = {
    type: 'live-end',
    id: messageId(msg.common, 'live-end', [ctx.room, msg.common?.createTime, msg.action]),
    ...envelope(msg.common, ctx),
    uid: 0,
    username: '',
    message: suspended ? 'LIVE suspended' : 'LIVE ended',
  } satisfies LiveEnd & TikTokEnvelope
  return { events: [event], streamEnded: true }
}
