import { gunzipSync } from 'node:zlib'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import {
  HeartBeatMessageSchema,
  ProtoMessageFetchResultSchema,
  WebcastImEnterRoomMessageSchema,
  WebcastPushFrameSchema,
  type ProtoMessageFetchResult,
  type WebcastPushFrame,
} from '../../gen/tiktok/push_pb'
import { PAYLOAD_ENCODING_PB, PayloadType, IDENTITY_AUDIENCE, LIVE_ID } from './protocol'

/** A frame we could not decode: the client logs and counts it, then goes on. */
export class TikTokFrameError extends Error {
  override name = 'TikTokFrameError'
}

/** A gzip'd payload may not inflate past this: a bad or hostile frame must not eat memory. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024

const GZIP_MAGIC = [0x1f, 0x8b] as const

export interface DecodedFrame {
  frame: WebcastPushFrame
  /** Set for `msg` frames: the batch of inner messages. */
  result?: ProtoMessageFetchResult
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]
}

function inflate(bytes: Uint8Array): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES })
  } catch (err) {
    throw new TikTokFrameError(`gzip payload does not inflate: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * One binary WebSocket frame → the push frame and, for `msg` frames, the fetch result.
 * Gzip is detected by the `compress_type` header or the magic bytes (clients disagree on which
 * to trust, so either is enough). Throws TikTokFrameError on anything malformed.
 */
export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  let frame: WebcastPushFrame
  try {
    frame = fromBinary(WebcastPushFrameSchema, bytes)
  } catch (err) {
    throw new TikTokFrameError(`bad push frame: ${(err as Error).message}`, { cause: err })
  }
  if (frame.payloadType !== PayloadType.Msg) return { frame }
  const gz = frame.headers['compress_type'] === 'gzip' || isGzip(frame.payload)
  const payload = gz ? inflate(frame.payload) : frame.payload
  return { frame, result: decodeFetchResult(payload) }
}

/** A ProtoMessageFetchResult (a frame's payload, or the sign server's body). */
export function decodeFetchResult(bytes: Uint8Array): ProtoMessageFetchResult {
  try {
    return fromBinary(ProtoMessageFetchResultSchema, bytes)
  } catch (err) {
    throw new TikTokFrameError(`bad fetch result: ${(err as Error).message}`, { cause: err })
  }
}

function pushFrame(payloadType: PayloadType, payload: Uint8Array, logId = '0'): Uint8Array {
  return toBinary(
    WebcastPushFrameSchema,
    create(WebcastPushFrameSchema, { payloadType, payloadEncoding: PAYLOAD_ENCODING_PB, payload, logId }),
  )
}

/** Heartbeat frame; `seq` starts at 1 on each (re)enter. */
export function encodeHeartbeat(roomId: string, seq: number): Uint8Array {
  const hb = create(HeartBeatMessageSchema, { roomId, sendPacketSeqId: String(seq) })
  return pushFrame(PayloadType.Heartbeat, toBinary(HeartBeatMessageSchema, hb))
}

/** The join frame sent right after the socket opens. */
export function encodeEnterRoom(roomId: string, cursor: string, enterUniqueId: string): Uint8Array {
  const msg = create(WebcastImEnterRoomMessageSchema, {
    roomId,
    liveId: LIVE_ID,
    identity: IDENTITY_AUDIENCE,
    cursor,
    filterWelcomeMsg: '0',
    enterUniqueId,
  })
  return pushFrame(PayloadType.EnterRoom, toBinary(WebcastImEnterRoomMessageSchema, msg))
}

/** Ack of a received frame: its logId, and the result's internalExt ("-" when empty, as PY does). */
export function encodeAck(logId: string, internalExt: string): Uint8Array {
  return pushFrame(PayloadType.Ack, new TextEncoder().encode(internalExt || '-'), logId)
}
