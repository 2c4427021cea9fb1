import type { RedEnvelopeResult, RedEnvelopeStart } from '@laplace.live/event-types'
import { bilibiliGoldToCny, eventId } from '../../../events'
import { arr, isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'

/** rp_type 1 = gift red envelope: `total_price` is the 80 % raffled off; the sender paid /0.8. */
const RP_TYPE_GIFT = 1
const USERS_SHARE = 0.8

/**
 * POPULARITY_RED_POCKET_START / _V2_START: a viewer paid for a red envelope (paid event).
 * `price` is what the sender paid in gold, `priceNormalized` that in CNY, like every other
 * paid event (not LAPLACE's "streamer's 20 %", which Bilibili currently pays out as 0).
 */
export const handleRedPocketStart: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.lot_id) && isNum(d.total_price) && isNum(d.sender_uid), 'data.lot_id, data.total_price, data.sender_uid')
  const raffled = num(d.total_price)
  const rpType = num(d.rp_type, RP_TYPE_GIFT)
  const paid = rpType === RP_TYPE_GIFT ? Math.round(raffled / USERS_SHARE) : raffled
  const start = num(d.start_time) || num(d.current_time)
  return {
    type: 'red-envelope-start',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: eventId('bilibili', 'red-envelope', num(d.lot_id)),
    uid: num(d.sender_uid),
    username: str(d.sender_name),
    avatar: str(d.sender_face),
    list: arr(d.awards).map((a) => {
      const o = obj(a)
      return { gift_id: num(o.gift_id), gift_name: str(o.gift_name), gift_pic: str(o.gift_pic), num: num(o.num) }
    }),
    price: paid,
    ...ctx.pricing.fields(bilibiliGoldToCny(paid), 'CNY'),
    priceForUsers: raffled,
    priceForStreamer: paid - raffled,
    duration: num(d.last_time),
    icon: str(d.icon_url),
    message: str(d.danmu),
    timestamp: start,
    timestampNormalized: start * 1000,
  } satisfies RedEnvelopeStart
}

/** POPULARITY_RED_POCKET_WINNER_LIST / _V2_: who won; lists passed through as upstream sends them. */
export const handleRedPocketWinners: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.lot_id), 'data.lot_id')
  const now = ctx.now()
  return {
    type: 'red-envelope-result',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: eventId('bilibili', 'red-envelope-result', num(d.lot_id)),
    uid: 0,
    username: '',
    timestamp: now,
    timestampNormalized: now,
    message: '',
    list: arr(d.winner_info) as RedEnvelopeResult['list'],
    rewards: obj(d.awards) as RedEnvelopeResult['rewards'],
    // Prizes are paid out of the envelope already counted at start: never money again.
    priceNormalized: 0,
  } satisfies RedEnvelopeResult
}
