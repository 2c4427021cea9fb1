import type { LiveCutoff, LiveWarning, RoomMuteOff, RoomMuteOn, RoomNameUpdate } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { num, obj, str } from '../fields'
import { type CmdHandler, minuteBucket } from '../handler'

/** WARNING / CUT_OFF: moderation of the stream itself; top-level `msg`, no time. */
export const handleWarning: CmdHandler = (msg, ctx) => {
  const now = ctx.now()
  return {
    type: 'live-warning',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'warning', ctx.roomId, str(msg.msg), minuteBucket(ctx)),
    uid: num(msg.roomid, ctx.roomId),
    username: '',
    message: str(msg.msg),
    timestamp: now,
    timestampNormalized: now,
  } satisfies LiveWarning
}

export const handleCutOff: CmdHandler = (msg, ctx) => {
  const now = ctx.now()
  return {
    type: 'live-cutoff',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'cutoff', ctx.roomId, str(msg.msg), minuteBucket(ctx)),
    uid: num(msg.roomid, ctx.roomId),
    username: '',
    message: str(msg.msg),
    timestamp: now,
    timestampNormalized: now,
  } satisfies LiveCutoff
}

/** ROOM_CHANGE: title or area changed. */
export const handleRoomChange: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const now = ctx.now()
  return {
    type: 'room-name-update',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'room-change', ctx.roomId, str(d.title), num(d.area_id), num(d.parent_area_id)),
    uid: 0,
    username: '',
    message: str(d.title),
    area: str(d.area_name),
    parentArea: str(d.parent_area_name),
    timestamp: now,
    timestampNormalized: now,
  } satisfies RoomNameUpdate
}

export const handleSilentOn: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const now = ctx.now()
  return {
    type: 'room-mute-on',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'silent-on', ctx.roomId, str(d.type), num(d.level), num(d.second), minuteBucket(ctx)),
    uid: 0,
    username: '',
    message: str(d.msg),
    muteBy: str(d.type),
    muteLevel: num(d.level),
    muteLength: num(d.second),
    timestamp: now,
    timestampNormalized: now,
  } satisfies RoomMuteOn
}

export const handleSilentOff: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const now = ctx.now()
  return {
    type: 'room-mute-off',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'silent-off', ctx.roomId, minuteBucket(ctx)),
    uid: 0,
    username: '',
    message: str(d.msg),
    muteBy: str(d.type),
    muteLevel: num(d.level),
    muteLength: num(d.second),
    timestamp: now,
    timestampNormalized: now,
  } satisfies RoomMuteOff
}
