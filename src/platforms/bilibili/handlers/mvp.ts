import type { Mvp } from '@laplace.live/event-types'
import { bilibiliGoldToCny, eventId, hashedEventId } from '../../../events'
import { isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'

/** USER_VIRTUAL_MVP (deprecated upstream, still typed): a paid 守护 purchase; goods_price in gold. */
export const handleVirtualMvp: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.uid) && isNum(d.goods_price), 'data.uid, data.goods_price')
  const price = num(d.goods_price)
  const ts = num(d.timestamp)
  const order = num(d.order_id)
  return {
    type: 'mvp',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: order ? eventId('bilibili', 'mvp', order) : hashedEventId('bilibili', 'mvp', num(d.uid), num(d.goods_id), ts),
    action: str(d.action),
    uid: num(d.uid),
    guardType: num(d.user_guard_level),
    username: str(d.uname),
    message: str(d.goods_name),
    price,
    ...ctx.pricing.fields(bilibiliGoldToCny(price), 'CNY'),
    mvpAmount: num(d.goods_num, 1),
    mvpIcon: str(d.goods_icon),
    effectId: num(d.effect_id),
    duration: 0,
    timestamp: ts,
    timestampNormalized: ts * 1000,
  } satisfies Mvp
}
