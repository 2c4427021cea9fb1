import { fromBinary } from '@bufbuild/protobuf'
import type { LiveEnd } from '@laplace.live/event-types'
import { eventId } from '../../../events'
import { ControlMessageSchema } from '../../../gen/douyin/messages_pb'
import { baseFields, eventTime } from './base'
import type { DouyinEvent, MessageMeta, NormalizeContext } from './context'
import { ControlAction } from './methods'
import { safeUid } from './user'

/** What the client must do after a control message. */
export type ControlOutcome = 'live-end' | 'none'

/** The live-end event. Its id is per broadcast (Douyin gives each broadcast a new room id). */
export function liveEndEvent(ctx: NormalizeContext, roomId: string, time: number, message: string): DouyinEvent<LiveEnd> {
  return {
    type: 'live-end',
    id: eventId('douyin', 'live-end', roomId || ctx.room),
    ...baseFields(ctx, time),
    uid: safeUid(ctx.anchorUid),
    username: ctx.anchorName,
    message,
  } satisfies DouyinEvent<LiveEnd>
}

/** WebcastControlMessage: action 3 → live-end (the client then ends the session offline). */
export function handleControl(payload: Uint8Array, _meta: MessageMeta, ctx: NormalizeContext): ControlOutcome {
  const m = fromBinary(ControlMessageSchema, payload)
  if (Number(m.action) !== ControlAction.LiveEnd) {
    ctx.log.debug({ action: m.action.toString() }, 'douyin: control message without live end')
    return 'none'
  }
  const roomId = m.common?.roomId ? m.common.roomId.toString() : ''
  ctx.emit(liveEndEvent(ctx, roomId, eventTime(m.common, ctx), m.tips || '直播已结束'))
  return 'live-end'
}
