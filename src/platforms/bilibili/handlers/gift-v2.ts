import { fromBinary } from '@bufbuild/protobuf'
import type { Gift } from '@laplace.live/event-types'
import { bilibiliGoldToCny, hashedEventId } from '../../../events'
import { SendGiftV2Schema } from '../../../gen/bilibili/send_gift_v2_pb'
import type { CmdHandler } from '../handler'
import { NO_MEDAL } from '../medal'
import { giftEventId } from './gift'
import { pbBytes, u64 } from './pb-payload'

/**
 * SEND_GIFT_V2 (§4.6): protobuf, grey-released 2026-07 beside SEND_GIFT. One broadcast may
 * list several gifts; each item is its own event (treating the list as one gift loses money,
 * php-bilibili-danmu#240). V2 `total_coin` = price × num. Broadcasts with switch=false are
 * not shown by the web client either, so they are skipped.
 */
export const handleGiftV2: CmdHandler = (msg, ctx) => {
  const g = fromBinary(SendGiftV2Schema, pbBytes(msg))
  // Nothing to count: say so (counted as ignored) rather than silently producing nothing.
  if (!g.switch || g.giftList.length === 0) return null
  const uid = u64(g.uid)
  const medal = g.medalInfo
    ? { ...NO_MEDAL, level: g.medalInfo.medalLevel, name: g.medalInfo.medalName, uid: u64(g.medalInfo.targetId) }
    : NO_MEDAL
  return g.giftList.map((item) => {
    const ts = Number(item.timestamp)
    const paid = u64(item.totalCoin) || u64(item.price) * item.num
    const coinType = item.coinType || 'gold'
    return {
      type: 'gift',
      origin: ctx.roomId,
      originIdx: 0,
      read: false,
      id: item.tid ? giftEventId(item.tid) : hashedEventId('bilibili', 'gift', uid, item.giftId, ts, item.num, 'v2'),
      uid,
      username: g.uname,
      avatar: g.face,
      message: `${item.action || '投喂'} ${item.giftName} ×${item.num}`,
      price: paid,
      ...ctx.pricing.fields(bilibiliGoldToCny(paid, coinType), 'CNY'),
      duration: 0,
      coinType,
      guardType: g.guardLevel,
      giftType: 0,
      giftAction: item.action,
      giftAmount: item.num,
      giftId: item.giftId,
      giftName: item.giftName,
      giftRemain: 0,
      giftIcon: item.giftInfo?.imgBasic ?? '',
      bizSource: 'Live',
      receiver: { uid: 0, uname: '', master: null },
      blindGift: g.blindGift
        ? {
            blind_gift_config_id: 0,
            from: 0,
            gift_action: '',
            gift_tip_price: u64(item.price),
            original_gift_id: 0,
            original_gift_name: g.blindGift.originalGiftName,
            original_gift_price: u64(g.blindGift.originalGiftPrice),
          }
        : null,
      timestamp: ts,
      timestampNormalized: ts * 1000,
      medal,
      wealthMedalLevel: 0,
    } satisfies Gift
  })
}
