import { describe, expect, test } from 'bun:test'
import { create, toBinary } from '@bufbuild/protobuf'
import fc from 'fast-check'
import { gzipSync } from 'node:zlib'
import { PushFrameSchema, ResponseSchema } from '../../../src/gen/douyin/push_pb'
import {
  decodePushFrame,
  decodeResponse,
  encodeAck,
  encodeHeartbeat,
  FrameError,
  MAX_RESPONSE_BYTES,
} from '../../../src/platforms/douyin/frame-codec'
import { readFixture } from '../../fixtures'

const giftPayload = new Uint8Array(readFixture('douyin', 'opedium-douyin-live-proto', 'sampled_payload', 'GiftMessage.bin'))

/** A frame as the doc describes real ones: service 8888, method 8, "pb", "msg", gzip payload. */
function realisticFrame(): Uint8Array {
  const res = create(ResponseSchema, {
    messages: [{ method: 'WebcastGiftMessage', payload: giftPayload, msgId: 7_401_234_567_890_123_456n }],
    cursor: 't-1721638553798_r-7394381280667779385_d-1_u-1_h-1',
    internalExt: 'internal_src:pushserver|first_req_ms:1721638553798|wss_msg_type:r|wrds_v:7394381280667779385',
    needAck: true,
    heartbeatDuration: 15n,
  })
  return toBinary(PushFrameSchema, create(PushFrameSchema, {
    seqId: 42n, logId: 7_394_381_280_667_779_385n, service: 8888, method: 8,
    headers: [{ key: 'compress_type', value: 'gzip' }], payloadEncoding: 'pb', payloadType: 'msg',
    payload: gzipSync(toBinary(ResponseSchema, res)),
  }))
}

describe('douyin frame codec', () => {
  test('heartbeat is the constant 3a 02 68 62', () => {
    expect(Buffer.from(encodeHeartbeat()).toString('hex')).toBe('3a026862')
  })

  test('ack echoes the 64-bit log id exactly and carries internal_ext', () => {
    const ack = decodePushFrame(encodeAck(7_394_381_280_667_779_385n, 'internal_src:pushserver|wrds_v:1'))
    expect(ack.logId).toBe(7_394_381_280_667_779_385n)
    expect(ack.payloadType).toBe('ack')
    expect(new TextDecoder().decode(ack.payload)).toBe('internal_src:pushserver|wrds_v:1')
  })

  test('frame → gunzip → Response → messages with a real gift payload', () => {
    const frame = decodePushFrame(realisticFrame())
    expect(frame.service).toBe(8888)
    expect(frame.seqId).toBe(42n)
    const res = decodeResponse(frame)
    expect(res.needAck).toBe(true)
    expect(res.cursor).toBe('t-1721638553798_r-7394381280667779385_d-1_u-1_h-1')
    expect(res.messages).toHaveLength(1)
    expect(res.messages[0]!.method).toBe('WebcastGiftMessage')
    expect(res.messages[0]!.msgId).toBe(7_401_234_567_890_123_456n)
    expect(res.messages[0]!.payload).toEqual(giftPayload)
  })

  test('an uncompressed payload is read as is', () => {
    const plain = toBinary(ResponseSchema, create(ResponseSchema, { cursor: 'c1' }))
    const frame = decodePushFrame(toBinary(PushFrameSchema, create(PushFrameSchema, { payloadType: 'msg', payload: plain })))
    expect(decodeResponse(frame).cursor).toBe('c1')
  })

  test('bad gzip and oversized inflation are FrameErrors', () => {
    const bad = decodePushFrame(toBinary(PushFrameSchema, create(PushFrameSchema, { payloadType: 'msg', headers: [{ key: 'compress_type', value: 'gzip' }], payload: new Uint8Array([1, 2, 3]) })))
    expect(() => decodeResponse(bad)).toThrow(FrameError)
    const bomb = decodePushFrame(toBinary(PushFrameSchema, create(PushFrameSchema, { payloadType: 'msg', headers: [{ key: 'compress_type', value: 'gzip' }], payload: gzipSync(new Uint8Array(MAX_RESPONSE_BYTES + 1)) })))
    expect(() => decodeResponse(bomb)).toThrow(/bad gzip payload/)
    expect(() => decodePushFrame(new Uint8Array())).toThrow(FrameError)
  })

  test('fuzz: truncated or mutated real frames are decoded or rejected with FrameError, never anything else', () => {
    const good = realisticFrame()
    const decodeAll = (bytes: Uint8Array) => {
      try {
        const frame = decodePushFrame(bytes)
        if (frame.payloadType === 'msg') decodeResponse(frame)
        return 'ok'
      } catch (err) {
        if (!(err instanceof FrameError)) throw err
        return 'rejected'
      }
    }
    let rejected = 0
    fc.assert(
      fc.property(fc.nat(good.length - 1), (cut) => {
        if (decodeAll(good.subarray(0, cut)) === 'rejected') rejected++
      }),
      { numRuns: 300 },
    )
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = new Uint8Array(good)
        for (const [at, value] of edits) bytes[at] = value
        decodeAll(bytes)
      }),
      { numRuns: 500 },
    )
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void decodeAll(bytes)), { numRuns: 500 })
    // Most cuts land inside the gzip stream or a length-delimited field: those must be refused.
    expect(rejected).toBeGreaterThan(100)
  })
})
