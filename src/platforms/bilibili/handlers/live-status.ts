import type { LiveEnd, LiveStart } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { arr, num, str } from '../fields'
import { type CmdHandler, minuteBucket } from '../handler'

/**
 * LIVE: the stream started. It comes twice: first with `live_time` (the real start), then
 * again without it when the stream is pushed (fixtures start_live / push_stream).
 */
export const handleLive: CmdHandler = (msg, ctx) => {
  ctx.setLive(true)
  const liveTime = num(msg.live_time)
  const initial = liveTime > 0
  const ts = initial ? liveTime * 1000 : num(msg.send_time) || ctx.now()
  const special = arr(msg.special_types).map((v) => num(v))
  return {
    type: 'live-start',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'live', ctx.roomId, str(msg.live_key), str(msg.sub_session_key), initial ? 'initial' : 'push'),
    uid: 0,
    username: '',
    message: str(msg.live_platform),
    initial,
    specialTypes: special.length > 0 ? special : undefined,
    timestamp: ts,
    timestampNormalized: ts,
  } satisfies LiveStart
}

/** PREPARING: the stream ended (`round: 1` when rotation playback starts). */
export const handlePreparing: CmdHandler = (msg, ctx) => {
  ctx.setLive(false)
  const sent = num(msg.send_time)
  const ts = sent || ctx.now()
  return {
    type: 'live-end',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'preparing', ctx.roomId, str(msg.msg_id) || sent || minuteBucket(ctx)),
    uid: 0,
    username: '',
    message: num(msg.round) === 1 ? 'round' : '',
    timestamp: ts,
    timestampNormalized: ts,
  } satisfies LiveEnd
}
