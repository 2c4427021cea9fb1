import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { gunzipSync } from 'node:zlib'
import { type PushFrame, PushFrameSchema, type Response, ResponseSchema } from '../../gen/douyin/push_pb'

/** PushFrame.payload_type values. */
export enum PayloadType {
  Message = 'msg',
  Ack = 'ack',
  Heartbeat = 'hb',
  Close = 'close',
}

/** Inflated Responses above this are refused: a zip bomb must not take the process down. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

/** A frame lef cannot read. The client logs it, counts it and goes on with the next frame. */
export class FrameError extends Error {
  override name = 'FrameError'
}

export function decodePushFrame(bytes: Uint8Array): PushFrame {
  if (bytes.length === 0) throw new FrameError('empty frame')
  try {
    return fromBinary(PushFrameSchema, bytes)
  } catch (err) {
    throw new FrameError(`bad PushFrame: ${(err as Error).message}`)
  }
}

export function frameHeader(frame: PushFrame, key: string): string | undefined {
  return frame.headers.find((h) => h.key === key)?.value
}

/** The Response inside a "msg" frame: gunzip when the header says so, then protobuf. */
export function decodeResponse(frame: PushFrame): Response {
  let body: Uint8Array = frame.payload
  if (frameHeader(frame, 'compress_type') === 'gzip') {
    try {
      body = gunzipSync(body, { maxOutputLength: MAX_RESPONSE_BYTES })
    } catch (err) {
      throw new FrameError(`bad gzip payload: ${(err as Error).message}`)
    }
  }
  try {
    return fromBinary(ResponseSchema, body)
  } catch (err) {
    throw new FrameError(`bad Response: ${(err as Error).message}`)
  }
}

/** The heartbeat frame: PushFrame{payload_type:"hb"} = bytes 3a 02 68 62. */
export function encodeHeartbeat(): Uint8Array {
  return toBinary(PushFrameSchema, create(PushFrameSchema, { payloadType: PayloadType.Heartbeat }))
}

/** Ack for a Response with need_ack: echo the frame's log id, payload = UTF-8 internal_ext. */
export function encodeAck(logId: bigint, internalExt: string): Uint8Array {
  return toBinary(
    PushFrameSchema,
    create(PushFrameSchema, { logId, payloadType: PayloadType.Ack, payload: new TextEncoder().encode(internalExt) }),
  )
}
