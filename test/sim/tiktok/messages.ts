import { create, toBinary } from '@bufbuild/protobuf'
import {
  ControlAction,
  WebcastChatMessageSchema,
  WebcastControlMessageSchema,
  WebcastGiftMessageSchema,
  WebcastRoomUserSeqMessageSchema,
} from '../../../src/gen/tiktok/messages_pb'
import { BaseProtoMessageSchema, type BaseProtoMessage } from '../../../src/gen/tiktok/push_pb'

/** Builders for inner messages the simulator pushes (method + encoded payload). */

let nextMsgId = 7_300_000_000_000_000_000n

function common(method: string, roomId: string, createTime = Date.now()) {
  nextMsgId += 1n
  return { method, msgId: nextMsgId.toString(), roomId, createTime: String(createTime) }
}

export function baseMessage(method: string, payload: Uint8Array, msgId = '0'): BaseProtoMessage {
  return create(BaseProtoMessageSchema, { method, payload, msgId })
}

export interface SimUser {
  id: string
  nickname: string
  handle: string
}

export const SIM_VIEWER: SimUser = { id: '6809568862012081157', nickname: 'Viewer One', handle: 'viewer_one' }

function user(u: SimUser) {
  return { id: u.id, nickname: u.nickname, displayId: u.handle, avatarThumb: { urlList: [`https://p16.example/avatar/${u.id}.webp`] } }
}

export interface SimGift {
  roomId: string
  giftId?: number
  name?: string
  /** 1 = streakable */
  type?: number
  coins?: number
  repeatCount?: number
  repeatEnd?: boolean
  groupId?: string
  from?: SimUser
}

export function giftMessage(g: SimGift): BaseProtoMessage {
  const c = common('WebcastGiftMessage', g.roomId)
  const giftId = String(g.giftId ?? 5655)
  const payload = toBinary(
    WebcastGiftMessageSchema,
    create(WebcastGiftMessageSchema, {
      common: c,
      giftId,
      groupCount: 1,
      repeatCount: g.repeatCount ?? 1,
      comboCount: g.repeatCount ?? 1,
      repeatEnd: g.repeatEnd ? 1 : 0,
      groupId: g.groupId ?? '0',
      user: user(g.from ?? SIM_VIEWER),
      gift: { id: giftId, name: g.name ?? 'Rose', type: g.type ?? 1, diamondCount: g.coins ?? 1, image: { urlList: ['https://p16.example/gift.png'] } },
    }),
  )
  return baseMessage('WebcastGiftMessage', payload, c.msgId)
}

export function chatMessage(roomId: string, content: string, from: SimUser = SIM_VIEWER): BaseProtoMessage {
  const c = common('WebcastChatMessage', roomId)
  const payload = toBinary(WebcastChatMessageSchema, create(WebcastChatMessageSchema, { common: c, user: user(from), content }))
  return baseMessage('WebcastChatMessage', payload, c.msgId)
}

export function viewersMessage(roomId: string, total: number, totalUser: number): BaseProtoMessage {
  const c = common('WebcastRoomUserSeqMessage', roomId)
  const payload = toBinary(WebcastRoomUserSeqMessageSchema, create(WebcastRoomUserSeqMessageSchema, { common: c, total: BigInt(total), totalUser: BigInt(totalUser) }))
  return baseMessage('WebcastRoomUserSeqMessage', payload, c.msgId)
}

export function controlMessage(roomId: string, action: ControlAction = ControlAction.STREAM_ENDED): BaseProtoMessage {
  const c = common('WebcastControlMessage', roomId)
  const payload = toBinary(WebcastControlMessageSchema, create(WebcastControlMessageSchema, { common: c, action }))
  return baseMessage('WebcastControlMessage', payload, c.msgId)
}
