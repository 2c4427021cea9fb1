import { fromBinary } from '@bufbuild/protobuf'
import type { Interaction } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { InteractWordV2Schema } from '../../../gen/bilibili/interact_word_v2_pb'
import { isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'
import { medalFromObject, NO_MEDAL } from '../medal'
import { pbBytes, u64 } from './pb-payload'

/**
 * INTERACT_WORD (JSON, until ~2025-07) and INTERACT_WORD_V2 (protobuf) (§4.5–4.6): enter,
 * follow, share… `trigger_time` is in ns; JSON.parse already rounded it in V1, still
 * deterministic, so it is part of the id.
 */
export const handleInteract: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.uid) && isNum(d.msg_type), 'data.uid, data.msg_type')
  const uinfo = obj(d.uinfo)
  const tail = obj(d.relation_tail)
  const trigger = num(d.trigger_time)
  const ts = num(d.timestamp)
  const uid = num(d.uid)
  return {
    type: 'interaction',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'interact', uid, num(d.msg_type), str(d.trigger_time) || ts, num(d.roomid)),
    uid,
    username: str(d.uname),
    action: num(d.msg_type),
    guardType: num(d.privilege_type),
    avatar: str(obj(uinfo.base).face),
    relation: { type: num(tail.tail_type), icon: str(tail.tail_icon), text: str(tail.tail_guide_text) },
    wealthMedalLevel: num(obj(uinfo.wealth).level),
    medal: medalFromObject(d.fans_medal),
    timestamp: trigger || ts * 1e9,
    timestampNormalized: trigger ? Math.floor(trigger / 1e6) : ts * 1000,
  } satisfies Interaction
}

export const handleInteractV2: CmdHandler = (msg, ctx) => {
  const w = fromBinary(InteractWordV2Schema, pbBytes(msg))
  const uid = u64(w.uid)
  const ts = Number(w.timestamp)
  const m = w.fansMedal
  return {
    type: 'interaction',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'interact', uid, w.msgType, w.triggerTime || ts, u64(w.roomId)),
    uid,
    username: w.uname,
    action: w.msgType,
    guardType: w.guardLevel,
    avatar: w.uinfo?.base?.face ?? '',
    relation: { type: 0, icon: '', text: '' },
    wealthMedalLevel: w.uinfo?.wealth?.level ?? 0,
    medal: m && (m.medalLevel || m.medalName)
      ? { level: m.medalLevel, name: m.medalName, room: u64(m.roomId), guardType: m.guardLevel, lightened: m.isLighted, uid: u64(m.targetId) }
      : NO_MEDAL,
    timestamp: Number(w.triggerTime) || ts * 1e9,
    timestampNormalized: w.triggerTime ? Number(w.triggerTime / 1_000_000n) : ts * 1000,
  } satisfies Interaction
}
