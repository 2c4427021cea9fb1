import type { EffectMessage, Notice, RoomMetaUpdate } from '@laplace.live/event-types'
import { eventId, hashedEventId } from '../../../events'
import { arr, isNum, need, num, obj, str } from '../fields'
import { type CmdHandler, minuteBucket } from '../handler'
import { NO_MEDAL, medalFromUinfo } from '../medal'

/** COMMON_NOTICE_DANMAKU: a system notice made of styled text/image segments. */
export const handleCommonNotice: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(Array.isArray(d.content_segments), 'data.content_segments')
  const segments = arr(d.content_segments) as Notice['messageRaw']
  const text = segments.map((s) => ('text' in s && typeof s.text === 'string' ? s.text : '')).join('')
  const now = ctx.now()
  return {
    type: 'notice',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'notice', ctx.roomId, text, minuteBucket(ctx)),
    uid: 0,
    username: '',
    timestamp: now,
    timestampNormalized: now,
    message: text,
    messageRaw: segments,
    terminals: arr(d.terminals).map((t) => num(t)),
  } satisfies Notice
}

/** EFFECT_DANMAKU_MSG: the chat line of an effect gift (万福贺岁); the gift itself is SEND_GIFT. */
export const handleEffectDanmaku: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const goods = obj(d.goods_info)
  const sender = obj(d.sender_uinfo)
  need(isNum(sender.uid), 'data.sender_uinfo.uid')
  const sent = num(msg.send_time) || ctx.now()
  const senderBase = obj(sender.base)
  return {
    type: 'effect-message',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: str(msg.msg_id) ? eventId('bilibili', 'effect', str(msg.msg_id)) : hashedEventId('bilibili', 'effect', num(sender.uid), sent, str(goods.text)),
    uid: num(sender.uid),
    username: str(senderBase.name),
    timestamp: sent,
    timestampNormalized: sent,
    message: str(goods.text),
    messageRaw: {
      action: str(goods.action), img: str(goods.img), name: str(goods.name), num: str(goods.num), prefix: str(goods.prefix), text: str(goods.text),
    },
    avatar: str(senderBase.face),
    guardType: num(obj(sender.guard).level),
    medal: sender.medal ? medalFromUinfo(sender.medal) : NO_MEDAL,
    wealthMedalLevel: num(obj(sender.wealth).level),
  } satisfies EffectMessage
}

/** ROOM_REAL_TIME_MESSAGE_UPDATE (_V2): follower and fan-club counts. */
export const handleRoomMeta: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.fans), 'data.fans')
  const now = ctx.now()
  return {
    type: 'room-meta-update',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'room-meta', ctx.roomId, num(d.fans), num(d.fans_club)),
    uid: 0,
    username: '',
    timestamp: now,
    timestampNormalized: now,
    message: '',
    fans: num(d.fans),
    fansclub: num(d.fans_club),
  } satisfies RoomMetaUpdate
}
