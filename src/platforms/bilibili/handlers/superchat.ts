import type { SuperChat, SuperChatDelete } from '@laplace.live/event-types'
import { eventId, hashedEventId } from '../../../events'
import { arr, isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'
import { medalFromObject } from '../medal'

/**
 * SUPER_CHAT_MESSAGE and SUPER_CHAT_MESSAGE_JPN (§4.3): the same super chat, the _JPN twin
 * with ids as strings and a Japanese translation. Both get the id from `data.id`, so the
 * twin is one event. `price` is already CNY.
 */
export const handleSuperChat: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.price) && isNum(d.uid) && typeof d.message === 'string', 'data.price, data.uid, data.message')
  const user = obj(d.user_info)
  const gift = obj(d.gift)
  const scId = num(d.id)
  const start = num(d.start_time) || num(d.ts)
  const price = num(d.price)
  const trans = str(d.message_trans) || str(d.message_jpn)
  const event = {
    type: 'superchat',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: scId ? eventId('bilibili', 'sc', scId) : hashedEventId('bilibili', 'sc', num(d.uid), start, str(d.message)),
    uid: num(d.uid),
    username: str(user.uname),
    avatar: str(user.face),
    avatarFrame: str(user.face_frame),
    message: str(d.message),
    messageColor: str(d.message_font_color),
    messageTrans: trans,
    transMark: num(d.trans_mark, trans ? 1 : 0),
    isAudited: num(d.is_send_audit),
    price,
    ...ctx.pricing.fields(price, 'CNY'),
    token: str(d.token),
    rate: num(d.rate, 1000),
    duration: num(d.time),
    timestamp: start,
    timestampNormalized: start * 1000,
    guardType: num(user.guard_level),
    guardBackground: str(d.background_bottom_color),
    scId,
    scName: str(gift.gift_name, '醒目留言'),
    scAmount: num(gift.num, 1),
    medal: medalFromObject(d.medal_info),
    deleted: false,
  } satisfies SuperChat
  return event
}

/** SUPER_CHAT_MESSAGE_DELETE: `data.ids` are the `data.id`s of deleted super chats. */
export const handleSuperChatDelete: CmdHandler = (msg, ctx) => {
  need(Array.isArray(obj(msg.data).ids), 'data.ids')
  const ids = arr(obj(msg.data).ids).map((v) => num(v)).filter((v) => v > 0)
  const now = ctx.now()
  return {
    type: 'superchat-delete',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'sc-delete', ctx.roomId, ids.join(',')),
    uid: 0,
    username: '',
    scIds: ids,
    timestamp: now,
    timestampNormalized: now,
  } satisfies SuperChatDelete
}
