import { fromBinary } from '@bufbuild/protobuf'
import type { Gift } from '@laplace.live/event-types'
import { douyinDiamondsToCny, eventId } from '../../../events'
import { GiftMessageSchema } from '../../../gen/douyin/messages_pb'
import { baseFields, eventTime, messageId } from './base'
import type { DouyinEvent, MessageMeta, NormalizeContext } from './context'
import type { ComboResult } from './gift-combo'
import { avatarOf, medalOf, safeUid, userIdString } from './user'

/** What a finished combo needs to become a gift event (from its latest message). */
export interface GiftFacts {
  /** Combo identity as used in the event id: group id (or trace/msg id when there is none). */
  group: string
  uid: string
  username: string
  avatar: string
  medal: ReturnType<typeof medalOf>
  giftId: string
  giftName: string
  giftIcon: string
  giftType: number
  /** Unit price in diamonds. */
  diamonds: number
  /** Gifts per repeat (group_count), ≥ 1. */
  groupCount: number
  receiver: { uid: number; uname: string }
  time: number
}

/** WebcastGiftMessage → the combo tracker; finished combos become gift events. */
export function handleGift(payload: Uint8Array, meta: MessageMeta, ctx: NormalizeContext): void {
  const m = fromBinary(GiftMessageSchema, payload)
  const uid = userIdString(m.user)
  const giftId = (m.giftId !== 0n ? m.giftId : (m.gift?.id ?? 0n)).toString()
  const msgId = messageId(m.common, meta)
  // Without a group id every message stands alone; trace_id is shared by copies of one send.
  const group = m.groupId !== 0n ? m.groupId.toString() : m.traceId ? `t${m.traceId}` : `m${msgId}`
  const receiver = m.toUser ? { uid: safeUid(userIdString(m.toUser)), uname: m.toUser.nickname } : { uid: safeUid(ctx.anchorUid), uname: '' }
  const facts: GiftFacts = {
    group,
    uid,
    username: m.user?.nickname ?? '',
    avatar: avatarOf(m.user),
    medal: medalOf(m.user),
    giftId,
    giftName: m.gift?.name ?? '',
    giftIcon: m.gift?.icon?.urlList[0] ?? m.gift?.image?.urlList[0] ?? '',
    giftType: m.gift?.type ?? 0,
    diamonds: m.gift?.diamondCount ?? 0,
    groupCount: Math.max(1, Number(m.groupCount)),
    receiver,
    time: eventTime(m.common, ctx),
  }
  const ends = m.repeatEnd === 1 || (m.gift !== undefined && !m.gift.combo)
  const done = ctx.combos.add({ key: `${group}:${uid}:${giftId}`, repeatCount: Number(m.repeatCount), ends, facts }, ctx.now())
  for (const r of done) ctx.emit(giftEvent(r, ctx))
}

/** One finished combo stretch as a LaplaceEvent gift. */
export function giftEvent(r: ComboResult<GiftFacts>, ctx: NormalizeContext): DouyinEvent<Gift> {
  const f = r.facts
  const amount = (r.to - r.from + 1) * f.groupCount
  const price = f.diamonds * amount
  return {
    type: 'gift',
    id: eventId('douyin', 'gift', f.group, f.uid, f.giftId, `${r.from}-${r.to}`),
    ...baseFields(ctx, f.time),
    uid: safeUid(f.uid),
    username: f.username,
    avatar: f.avatar,
    medal: f.medal,
    message: `送出 ${f.giftName} x${amount}`,
    price,
    ...ctx.pricing.fields(douyinDiamondsToCny(price), 'CNY'),
    duration: 0,
    coinType: 'gold',
    guardType: 0,
    giftType: f.giftType,
    giftAction: '送出',
    giftAmount: amount,
    giftId: safeUid(f.giftId),
    giftName: f.giftName,
    giftRemain: 0,
    giftIcon: f.giftIcon,
    bizSource: 'Live',
    receiver: { uid: f.receiver.uid, uname: f.receiver.uname, master: null },
    blindGift: null,
    wealthMedalLevel: 0,
  } satisfies DouyinEvent<Gift>
}
