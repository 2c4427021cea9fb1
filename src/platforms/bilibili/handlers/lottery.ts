import type { LotteryResult, LotteryStart } from '@laplace.live/event-types'
import { bilibiliGoldToCny, eventId } from '../../../events'
import { arr, isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'

/** ANCHOR_LOT_START: 天选时刻 opened; `id` is the lottery id. */
export const handleLotteryStart: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.id), 'data.id')
  const ts = num(d.current_time) * 1000 || ctx.now()
  const giftPrice = num(d.gift_price)
  return {
    type: 'lottery-start',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: eventId('bilibili', 'lottery', num(d.id)),
    uid: 0,
    username: '',
    timestamp: ts,
    timestampNormalized: ts,
    duration: num(d.max_time),
    message: str(d.award_name),
    messageToJoin: str(d.danmu),
    requirement: str(d.require_text),
    rewardName: str(d.award_name),
    rewardNum: num(d.award_num),
    rewardImage: str(d.award_image),
    giftName: str(d.gift_name),
    giftCount: num(d.gift_num),
    giftId: num(d.gift_id),
    giftPrice,
    giftPriceNormalized: ctx.pricing.convert(bilibiliGoldToCny(giftPrice), 'CNY'),
  } satisfies LotteryStart
}

/** ANCHOR_LOT_AWARD: the winners. */
export const handleLotteryAward: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.id), 'data.id')
  const now = ctx.now()
  return {
    type: 'lottery-result',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: eventId('bilibili', 'lottery-result', num(d.id)),
    uid: 0,
    username: '',
    timestamp: now,
    timestampNormalized: now,
    message: str(d.award_name),
    rewardName: str(d.award_name),
    rewardNum: num(d.award_num),
    rewardImage: str(d.award_image),
    list: arr(d.award_users).map((u) => {
      const o = obj(u)
      return { uid: num(o.uid), uname: str(o.uname), face: str(o.face), level: num(o.level), color: num(o.color) }
    }),
    // The anchor pays prizes; not viewer money.
    priceNormalized: 0,
  } satisfies LotteryResult
}
