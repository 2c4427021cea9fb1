import type { Gift } from '@laplace.live/event-types'
import { bilibiliGoldToCny, eventId, hashedEventId } from '../../../events'
import { isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'
import { medalFromObject } from '../medal'

/**
 * SEND_GIFT (§4.2). Every SEND_GIFT is one real purchase, combo clicks included; COMBO_SEND is
 * a summary of clicks already counted, so it is ignored (see normalize.ts).
 *
 * Money: `total_coin` is what the sender actually paid in gold (discounts applied; for a blind
 * box the box price, not the revealed gift's value), falling back to price × num. Silver gifts
 * are free: priceNormalized 0.
 */
export const handleGift: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.giftId) && isNum(d.uid) && typeof d.giftName === 'string', 'data.giftId, data.uid, data.giftName')
  const num_ = num(d.num, 1)
  const coinType = str(d.coin_type, 'silver')
  const paid = num(d.total_coin) || num(d.price) * num_
  const tid = str(d.tid)
  const giftId = num(d.giftId)
  const ts = num(d.timestamp)
  const uid = num(d.uid)
  const receiver = obj(d.receive_user_info)
  const master = d.send_master ? obj(d.send_master) : null
  const blind = d.blind_gift ? obj(d.blind_gift) : null

  const event = {
    type: 'gift',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: tid ? giftEventId(tid) : hashedEventId('bilibili', 'gift', uid, giftId, ts, num_, str(d.rnd), str(d.batch_combo_id)),
    uid,
    username: str(d.uname),
    avatar: str(d.face),
    message: `${str(d.action, '投喂')} ${str(d.giftName)} ×${num_}`,
    price: paid,
    ...ctx.pricing.fields(bilibiliGoldToCny(paid, coinType), 'CNY'),
    duration: num(d.combo_stay_time),
    coinType,
    guardType: num(d.guard_level),
    giftType: num(d.giftType),
    giftAction: str(d.action),
    giftAmount: num_,
    giftId,
    giftName: str(d.giftName),
    giftRemain: num(d.remain),
    giftIcon: str(obj(d.gift_info).img_basic),
    bizSource: str(d.biz_source, 'Live'),
    receiver: {
      uid: num(receiver.uid),
      uname: str(receiver.uname),
      master: master ? { uid: num(master.uid), uname: str(master.uname), room_id: num(master.room_id) } : null,
    },
    blindGift: blind
      ? {
          blind_gift_config_id: num(blind.blind_gift_config_id),
          from: num(blind.from),
          gift_action: str(blind.gift_action),
          gift_tip_price: num(blind.gift_tip_price),
          original_gift_id: num(blind.original_gift_id),
          original_gift_name: str(blind.original_gift_name),
          original_gift_price: num(blind.original_gift_price),
        }
      : null,
    timestamp: ts,
    timestampNormalized: ts * 1000,
    medal: medalFromObject(d.medal_info),
    wealthMedalLevel: num(d.wealth_level),
  } satisfies Gift
  return event
}

/** SEND_GIFT and SEND_GIFT_V2 share `tid` for the same gift, so they share the id. */
export function giftEventId(tid: string): string {
  return eventId('bilibili', 'gift', tid)
}
