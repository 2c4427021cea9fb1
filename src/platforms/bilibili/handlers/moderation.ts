import type { ModAssign, ModList, ModRevoke, RecallDanmaku, UserBlock } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { arr, num, obj, str } from '../fields'
import { type CmdHandler, minuteBucket } from '../handler'

/** ROOM_BLOCK_MSG: a viewer was muted (uid also top-level, as a string). */
export const handleRoomBlock: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const uid = num(d.uid) || num(msg.uid)
  const now = ctx.now()
  const expired = num(d.block_expired)
  return {
    type: 'user-block',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'block', ctx.roomId, uid, expired || minuteBucket(ctx)),
    uid,
    username: str(d.uname) || str(msg.uname),
    operator: num(d.operator) === 1 ? 1 : 2,
    blockExpired: expired ? expired * 1000 : undefined,
    vaildPeriod: str(d.vaild_period) || undefined,
    timestamp: now,
    timestampNormalized: now,
  } satisfies UserBlock
}

/** RECALL_DANMU_MSG: the system withdrew a viewer's danmaku. */
export const handleRecall: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const uid = num(d.target_id)
  const now = ctx.now()
  return {
    type: 'message-recall',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'recall', ctx.roomId, uid, num(d.recall_type), minuteBucket(ctx)),
    uid,
    username: '',
    message: '',
    recallType: num(d.recall_type),
    timestamp: now,
    timestampNormalized: now,
  } satisfies RecallDanmaku
}

/** ROOM_ADMINS: the full moderator list (top-level `uids`). */
export const handleRoomAdmins: CmdHandler = (msg, ctx) => {
  const mods = arr(msg.uids).map((v) => num(v)).filter((v) => v > 0)
  const now = ctx.now()
  return {
    type: 'mod-list',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'mods', ctx.roomId, mods.join(',')),
    uid: 0,
    timestamp: now,
    timestampNormalized: now,
    message: '',
    mods,
  } satisfies ModList
}

/** room_admin_entrance (lower-case cmd upstream): a moderator was appointed. */
export const handleAdminEntrance: CmdHandler = (msg, ctx) => {
  const uid = num(msg.uid)
  const now = ctx.now()
  return {
    type: 'mod-assign',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'mod-assign', ctx.roomId, uid, minuteBucket(ctx)),
    uid,
    timestamp: now,
    timestampNormalized: now,
    message: str(msg.msg),
    mod: uid,
  } satisfies ModAssign
}

export const handleAdminRevoke: CmdHandler = (msg, ctx) => {
  const uid = num(msg.uid)
  const now = ctx.now()
  return {
    type: 'mod-revoke',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'mod-revoke', ctx.roomId, uid, minuteBucket(ctx)),
    uid,
    timestamp: now,
    timestampNormalized: now,
    message: str(msg.msg),
    mod: uid,
  } satisfies ModRevoke
}
