import { create, type MessageInitShape, toBinary } from '@bufbuild/protobuf'
import { CommonSchema, UserSchema } from '../../../src/gen/douyin/data_pb'
import {
  ChatMessageSchema,
  ControlMessageSchema,
  GiftMessageSchema,
  LikeMessageSchema,
  MemberMessageSchema,
} from '../../../src/gen/douyin/messages_pb'

/** One room message as the push server sends it inside a Response. */
export interface SimMessage {
  method: string
  payload: Uint8Array
  msgId: bigint
}

export interface SimUser {
  id: bigint
  nickname: string
  fansClubLevel?: number
}

/** A random 63-bit message id, above 2^53 like real ones (so lossy handling would show). */
function newMsgId(): bigint {
  const [id] = crypto.getRandomValues(new BigUint64Array(1))
  return (id! & 0x3fff_ffff_ffff_ffffn) | 0x4000_0000_0000_0000n
}

function common(method: string, msgId: bigint, createTime: number): MessageInitShape<typeof CommonSchema> {
  return { method, msgId, createTime: BigInt(createTime), roomId: 0n }
}

function user(u: SimUser): MessageInitShape<typeof UserSchema> {
  return {
    id: u.id,
    idStr: u.id.toString(),
    nickname: u.nickname,
    avatarThumb: { urlList: [`https://example.invalid/avatar/${u.id}.jpeg`] },
    fansClub: u.fansClubLevel ? { data: { clubName: '测试团', level: u.fansClubLevel } } : undefined,
  }
}

export function chatMessage(u: SimUser, content: string, createTime = Date.now()): SimMessage {
  const msgId = newMsgId()
  const method = 'WebcastChatMessage'
  return { method, msgId, payload: toBinary(ChatMessageSchema, create(ChatMessageSchema, { common: common(method, msgId, createTime), user: user(u), content })) }
}

export interface SimGift {
  user: SimUser
  giftId: bigint
  name: string
  diamonds: number
  groupId: bigint
  repeatCount: number
  repeatEnd?: boolean
  groupCount?: number
  combo?: boolean
  createTime?: number
}

export function giftMessage(g: SimGift): SimMessage {
  const msgId = newMsgId()
  const method = 'WebcastGiftMessage'
  const payload = toBinary(
    GiftMessageSchema,
    create(GiftMessageSchema, {
      common: common(method, msgId, g.createTime ?? Date.now()),
      giftId: g.giftId,
      groupCount: BigInt(g.groupCount ?? 1),
      repeatCount: BigInt(g.repeatCount),
      comboCount: BigInt(g.repeatCount),
      user: user(g.user),
      repeatEnd: g.repeatEnd ? 1 : 0,
      groupId: g.groupId,
      gift: { id: g.giftId, name: g.name, diamondCount: g.diamonds, combo: g.combo ?? true, icon: { urlList: [`https://example.invalid/gift/${g.giftId}.png`] } },
      traceId: `${g.groupId.toString(16).padStart(32, '0')}`,
    }),
  )
  return { method, msgId, payload }
}

export function likeMessage(u: SimUser, count: number, total: number): SimMessage {
  const msgId = newMsgId()
  const method = 'WebcastLikeMessage'
  return { method, msgId, payload: toBinary(LikeMessageSchema, create(LikeMessageSchema, { common: common(method, msgId, Date.now()), count: BigInt(count), total: BigInt(total), user: user(u) })) }
}

export function memberMessage(u: SimUser, memberCount: number): SimMessage {
  const msgId = newMsgId()
  const method = 'WebcastMemberMessage'
  return { method, msgId, payload: toBinary(MemberMessageSchema, create(MemberMessageSchema, { common: common(method, msgId, Date.now()), user: user(u), memberCount: BigInt(memberCount), action: 1n })) }
}

export function controlMessage(action: number, roomId: string, tips = '直播已结束'): SimMessage {
  const msgId = newMsgId()
  const method = 'WebcastControlMessage'
  return { method, msgId, payload: toBinary(ControlMessageSchema, create(ControlMessageSchema, { common: { ...common(method, msgId, Date.now()), roomId: BigInt(roomId) }, action: BigInt(action), tips })) }
}

/** A message of a method lef does not map. */
export function unknownMessage(method: string): SimMessage {
  return { method, msgId: newMsgId(), payload: new Uint8Array([8, 1]) }
}
