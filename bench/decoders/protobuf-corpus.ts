import { create, toBinary } from '@bufbuild/protobuf'
import { gzipSync } from 'node:zlib'
import { MessageSchema, PushFrameSchema, ResponseSchema } from '../../src/gen/douyin/push_pb'
import { BaseProtoMessageSchema, ProtoMessageFetchResultSchema, WebcastPushFrameSchema } from '../../src/gen/tiktok/push_pb'
import { DouyinMethod } from '../../src/platforms/douyin/normalize/methods'
import { Method } from '../../src/platforms/tiktok/protocol'
import { readFixture, readFixtureJson } from '../../test/fixtures'

/**
 * No whole Douyin or TikTok frame is published (fixtures' SOURCES.md), so frames are built the
 * way the servers build them (protocol docs: gzip'd Response / fetch result inside a push
 * frame) around the real captured inner payloads of every method lef maps. Control messages
 * are left out: a live-end would end the pass.
 */
export interface ProtoCorpus {
  frames: Uint8Array[]
  messagesPerPass: number
}

const DOUYIN_FIXTURES: Array<[DouyinMethod, string]> = [
  [DouyinMethod.Chat, 'ChatMessage.bin'],
  [DouyinMethod.EmojiChat, 'EmojiChatMessage.bin'],
  [DouyinMethod.Gift, 'GiftMessage.bin'],
  [DouyinMethod.Like, 'LikeMessage.bin'],
  [DouyinMethod.Member, 'MemberMessage.bin'],
  [DouyinMethod.Social, 'SocialMessage.bin'],
  [DouyinMethod.RoomUserSeq, 'RoomUserSeqMessage.bin'],
  [DouyinMethod.RoomStats, 'RoomStatsMessage.bin'],
  [DouyinMethod.Fansclub, 'FansclubMessage.bin'],
]

/** 20 frames of the 9 mapped methods' real payloads (each message its own msg_id, as upstream). */
export function douyinCorpus(frameCount = 20): ProtoCorpus {
  const payloads = DOUYIN_FIXTURES.map(([method, file]) => ({ method, payload: new Uint8Array(readFixture('douyin', 'opedium-douyin-live-proto', 'sampled_payload', file)) }))
  let msgId = 7_400_000_000_000_000_000n
  const frames: Uint8Array[] = []
  for (let i = 0; i < frameCount; i++) {
    const messages = payloads.map((p) => create(MessageSchema, { method: p.method, payload: p.payload, msgId: msgId++ }))
    const response = toBinary(ResponseSchema, create(ResponseSchema, { messages, cursor: `t-${i}`, internalExt: `internal_src:dim|wss_push_room_id:7630361251285076745|seq:${i}`, needAck: true }))
    frames.push(toBinary(PushFrameSchema, create(PushFrameSchema, {
      seqId: BigInt(i), logId: 7_400_000_000_000_000_000n + BigInt(i), service: 8888, method: 8,
      headers: [{ key: 'compress_type', value: 'gzip' }, { key: 'im-cursor', value: `t-${i}` }],
      payloadEncoding: 'pb', payloadType: 'msg', payload: gzipSync(response),
    })))
  }
  return { frames, messagesPerPass: frameCount * payloads.length }
}

type Collector = Record<string, Array<{ eventData: string }>>

/** Every captured payload of a mapped method (Control aside) in the events-collector dumps, ~20 per frame. */
export function tiktokCorpus(perFrame = 20): ProtoCorpus {
  const mapped = new Set<string>([Method.Chat, Method.Gift, Method.Like, Method.Member, Method.Social, Method.RoomUserSeq])
  const all: Array<{ method: string; payload: Uint8Array }> = []
  for (const name of ['jw', 'web', 'link']) {
    const dump = readFixtureJson<Collector>('tiktok', 'TikTokLiveJava', 'events-collector', `${name}.json`)
    for (const [method, list] of Object.entries(dump)) {
      if (!mapped.has(method)) continue
      for (const e of list) all.push({ method, payload: new Uint8Array(Buffer.from(e.eventData, 'base64')) })
    }
  }
  const frames: Uint8Array[] = []
  let msgId = 7_300_000_000_000_000_000n
  for (let i = 0; i < all.length; i += perFrame) {
    const messages = all.slice(i, i + perFrame).map((m) => create(BaseProtoMessageSchema, { method: m.method, payload: m.payload, msgId: String(msgId++) }))
    const result = toBinary(ProtoMessageFetchResultSchema, create(ProtoMessageFetchResultSchema, { messages, cursor: `c-${i}`, internalExt: `fetch_time:${i}`, needAck: true }))
    frames.push(toBinary(WebcastPushFrameSchema, create(WebcastPushFrameSchema, {
      logId: String(7_300_000_000_000_000_000n + BigInt(i)), headers: { compress_type: 'gzip' }, payloadEncoding: 'pb', payloadType: 'msg', payload: gzipSync(result),
    })))
  }
  return { frames, messagesPerPass: all.length }
}
