import { fromBinary } from '@bufbuild/protobuf'
import type { Gift } from '@laplace.live/event-types'
import { eventId, tiktokCoinsToUsd, type PriceFields } from '../../../events'
import { WebcastGiftMessageSchema, type WebcastGiftMessage } from '../../../gen/tiktok/messages_pb'
import { GIFT_TYPE_STREAKABLE } from '../protocol'
import { envelope, messageId, NO_MEDAL } from './common'
import type { HandlerOutput, NormalizeContext, TikTokEnvelope, TikTokUserExtras } from './context'
import type { GiftStreakTracker } from './gift-streak'
import { safeUid, userFields } from './user'

/** TikTok's extras on a gift. */
export interface TikTokGiftExtras {
  /** The streak's groupId ('0' for non-streakable gifts). */
  groupId: string
}

/**
 * A gift event for `count` gifts. Streak gifts take their id from the streak key
 * (user, gift, groupId), so the end frame, a timed-out streak and a replay all share one id.
 */
export function giftEvent(msg: WebcastGiftMessage, count: number, streak: boolean, ctx: NormalizeContext) {
  const user = userFields(msg.user)
  const unitCoins = msg.gift?.diamondCount ?? 0
  // groupCount is how many gifts one click sends (usually 1).
  const amount = count * Math.max(msg.groupCount, 1)
  const price = unitCoins * amount
  const name = msg.gift?.name ?? ''
  const receiver = msg.toUser
  const event = {
    type: 'gift',
    id: streak
      ? eventId('tiktok', 'gift', user.uidStr, msg.giftId, msg.groupId)
      : messageId(msg.common, 'gift', [user.uidStr, msg.giftId, msg.common?.createTime]),
    ...envelope(msg.common, ctx),
    ...user,
    message: msg.common?.describe || `${user.username} sent ${name} x${amount}`,
    price,
    ...ctx.pricing.fields(tiktokCoinsToUsd(price, ctx.coinUsd), 'USD'),
    duration: msg.gift?.duration ?? 0,
    coinType: 'gold',
    guardType: 0,
    giftType: msg.gift?.type ?? 0,
    giftAction: 'sent',
    giftAmount: amount,
    giftId: safeUid(msg.giftId),
    giftName: name,
    giftRemain: 0,
    giftIcon: msg.gift?.image?.urlList[0] ?? msg.gift?.icon?.urlList[0] ?? '',
    bizSource: 'Live',
    receiver: { uid: safeUid(receiver?.id ?? ''), uname: receiver?.nickname ?? '', master: null },
    blindGift: null,
    medal: NO_MEDAL,
    wealthMedalLevel: 0,
    groupId: msg.groupId,
  } satisfies Gift & TikTokEnvelope & TikTokUserExtras & TikTokGiftExtras & PriceFields
  return event
}

/**
 * Gift frames → gift events. Streakable gifts (type 1) count only once, at repeatEnd, with the
 * streak's total; other gifts come once and count at once (docs §1.7).
 */
export function createGiftHandler(streaks: GiftStreakTracker) {
  return function handleGift(payload: Uint8Array, ctx: NormalizeContext): HandlerOutput {
    const msg = fromBinary(WebcastGiftMessageSchema, payload)
    if (msg.gift?.type !== GIFT_TYPE_STREAKABLE) return { events: [giftEvent(msg, Math.max(msg.repeatCount, 1), false, ctx)] }
    const done = streaks.offer(msg)
    return { events: done ? [giftEvent(done.msg, done.count, true, ctx)] : [] }
  }
}
