import type { Toast } from '@laplace.live/event-types'
import { bilibiliGoldToCny, eventId, hashedEventId } from '../../../events'
import { isNum, need, num, obj, str } from '../fields'
import type { CmdHandler, HandlerContext } from '../handler'

/**
 * 大航海 purchases (§4.4). One purchase fans out to GUARD_BUY + USER_TOAST_MSG (+ _V2 +
 * NOTICE_MSG). It must count once, at the price actually paid:
 *
 * - USER_TOAST_MSG is authoritative: its `price` is the gold actually paid (138000 for a
 *   renewal where GUARD_BUY still says the 198000 list price) and it has `payflow_id`.
 * - USER_TOAST_MSG_V2 describes the same purchase with the same payflow id → same event id,
 *   so it only fills in if V1 never arrives. `option.source` 2 is a gifted extension (the
 *   official UI hides it): no toast.
 * - GUARD_BUY produces nothing (normalize.ts lists it as superseded): it has neither the paid
 *   price nor an id that could be matched to the toast.
 */
export const handleUserToast: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.uid) && isNum(d.price) && isNum(d.guard_level), 'data.uid, data.price, data.guard_level')
  const price = num(d.price)
  const start = num(d.start_time)
  return toast(ctx, {
    payflowId: str(d.payflow_id),
    uid: num(d.uid),
    username: str(d.username),
    message: str(d.toast_msg),
    price,
    color: str(d.color),
    guardLevel: num(d.guard_level),
    amount: num(d.num, 1),
    unit: str(d.unit),
    name: str(d.role_name),
    totalCount: num(d.target_guard_count),
    giftId: num(d.gift_id),
    effectId: num(d.effect_id),
    start,
  })
}

/** V2 option.source: 2 = extra days granted by an event, not a purchase. */
const SOURCE_GIFTED = 2

export const handleUserToastV2: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const option = obj(d.option)
  if (num(option.source) === SOURCE_GIFTED) return null
  const sender = obj(d.sender_uinfo)
  const guard = obj(d.guard_info)
  const pay = obj(d.pay_info)
  need(isNum(sender.uid) && isNum(pay.price), 'data.sender_uinfo.uid, data.pay_info.price')
  return toast(ctx, {
    payflowId: str(pay.payflow_id),
    uid: num(sender.uid),
    username: str(obj(sender.base).name),
    message: str(d.toast_msg),
    price: num(pay.price),
    color: str(option.color),
    guardLevel: num(guard.guard_level),
    amount: num(pay.num, 1),
    unit: str(pay.unit),
    name: str(guard.role_name),
    totalCount: num(guard.room_guard_count),
    giftId: num(obj(d.gift_info).gift_id),
    effectId: num(obj(d.effect_info).effect_id),
    start: num(guard.start_time),
  })
}

interface ToastFacts {
  payflowId: string
  uid: number
  username: string
  message: string
  price: number
  color: string
  guardLevel: number
  amount: number
  unit: string
  name: string
  totalCount: number
  giftId: number
  effectId: number
  start: number
}

function toast(ctx: HandlerContext, f: ToastFacts): Toast {
  const id = f.payflowId
    ? eventId('bilibili', 'toast', f.payflowId)
    : hashedEventId('bilibili', 'toast', f.uid, f.guardLevel, f.start, f.amount, f.price)
  return {
    type: 'toast',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id,
    stableKey: id,
    uid: f.uid,
    username: f.username,
    avatar: '',
    message: f.message,
    price: f.price,
    ...ctx.pricing.fields(bilibiliGoldToCny(f.price), 'CNY'),
    mockPrice: false,
    duration: 0,
    color: f.color,
    toastType: f.guardLevel,
    toastAmount: f.amount,
    toastAmountUnit: f.unit,
    toastName: f.name,
    toastTotalCount: f.totalCount,
    toastId: f.giftId,
    effectId: f.effectId,
    timestamp: f.start,
    timestampNormalized: f.start * 1000,
  } satisfies Toast
}
