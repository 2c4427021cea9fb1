import { describe, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import fc from 'fast-check'
import { WebcastGiftMessageSchema } from '../../../src/gen/tiktok/messages_pb'
import {
  HeartBeatMessageSchema,
  ProtoMessageFetchResultSchema,
  WebcastImEnterRoomMessageSchema,
  WebcastPushFrameSchema,
} from '../../../src/gen/tiktok/push_pb'
import { decodeFrame, encodeAck, encodeEnterRoom, encodeHeartbeat, TikTokFrameError } from '../../../src/platforms/tiktok/frame-codec'
import { baseMessage } from '../../sim/tiktok/messages'
import { payloadFixture } from './helpers'

/** A real gift payload wrapped the way the server sends it: BaseProtoMessage → result → gzip → PushFrame. */
function realFrame(opts: { gzip?: boolean; header?: boolean; needAck?: boolean } = {}): Uint8Array {
  const result = create(ProtoMessageFetchResultSchema, {
    messages: [baseMessage('WebcastGiftMessage', payloadFixture('MessageWebcastGiftMessage.bin'), '7270201542891817761')],
    cursor: 'c-2',
    internalExt: 'ext-9',
    needAck: opts.needAck ?? true,
  })
  const raw = toBinary(ProtoMessageFetchResultSchema, result)
  const gzip = opts.gzip ?? true
  return toBinary(
    WebcastPushFrameSchema,
    create(WebcastPushFrameSchema, {
      logId: '7311111111111111111',
      payloadType: 'msg',
      payloadEncoding: 'pb',
      headers: gzip && (opts.header ?? true) ? { compress_type: 'gzip' } : {},
      payload: gzip ? gzipSync(raw) : raw,
    }),
  )
}

describe('tiktok frame codec', () => {
  test('a gzip msg frame decodes to the real gift inside', () => {
    const { frame, result } = decodeFrame(realFrame())
    expect(frame.logId).toBe('7311111111111111111')
    expect(result?.needAck).toBe(true)
    expect(result?.internalExt).toBe('ext-9')
    expect(result?.messages).toHaveLength(1)
    const gift = fromBinary(WebcastGiftMessageSchema, result!.messages[0]!.payload)
    expect(gift.giftId).toBe('5655')
    expect(gift.gift?.name).toBe('Rose')
  })

  test('gzip is found by magic bytes without the header, and plain payloads pass', () => {
    expect(decodeFrame(realFrame({ header: false })).result?.messages[0]?.method).toBe('WebcastGiftMessage')
    expect(decodeFrame(realFrame({ gzip: false })).result?.cursor).toBe('c-2')
  })

  test('non-msg frames carry no result', () => {
    const hb = decodeFrame(encodeHeartbeat('1', 1))
    expect(hb.frame.payloadType).toBe('hb')
    expect(hb.result).toBeUndefined()
  })

  test('client frames: heartbeat, enter room, ack', () => {
    const hb = fromBinary(WebcastPushFrameSchema, encodeHeartbeat('7270193599273683745', 3))
    expect(hb.payloadType).toBe('hb')
    expect(hb.payloadEncoding).toBe('pb')
    expect(fromBinary(HeartBeatMessageSchema, hb.payload)).toMatchObject({ roomId: '7270193599273683745', sendPacketSeqId: '3' })

    const enter = fromBinary(WebcastPushFrameSchema, encodeEnterRoom('7270193599273683745', 'c-1', '123456789'))
    expect(enter.payloadType).toBe('im_enter_room')
    const er = fromBinary(WebcastImEnterRoomMessageSchema, enter.payload)
    expect(er).toMatchObject({ roomId: '7270193599273683745', liveId: '12', identity: 'audience', cursor: 'c-1', filterWelcomeMsg: '0', enterUniqueId: '123456789' })

    const ack = fromBinary(WebcastPushFrameSchema, encodeAck('7311111111111111111', 'ext-9'))
    expect(ack.payloadType).toBe('ack')
    expect(ack.logId).toBe('7311111111111111111')
    expect(new TextDecoder().decode(ack.payload)).toBe('ext-9')
    expect(new TextDecoder().decode(fromBinary(WebcastPushFrameSchema, encodeAck('1', '')).payload)).toBe('-')
  })

  test('broken gzip is a TikTokFrameError', () => {
    const bad = toBinary(WebcastPushFrameSchema, create(WebcastPushFrameSchema, { payloadType: 'msg', headers: { compress_type: 'gzip' }, payload: new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]) }))
    expect(() => decodeFrame(bad)).toThrow(TikTokFrameError)
  })

  /** Decoding either works or fails with TikTokFrameError: never another exception. */
  function decodesCleanly(bytes: Uint8Array): boolean {
    try {
      decodeFrame(bytes)
      return true
    } catch (err) {
      if (err instanceof TikTokFrameError) return true
      throw err
    }
  }

  test('fuzz: truncated real frames are rejected cleanly', () => {
    for (const frame of [realFrame(), realFrame({ gzip: false })]) {
      fc.assert(fc.property(fc.integer({ min: 0, max: frame.length - 1 }), (cut) => decodesCleanly(frame.subarray(0, cut))), { numRuns: 300 })
    }
    // A cut inside the gzip stream always fails (the result is incomplete).
    const frame = realFrame()
    expect(() => decodeFrame(frame.subarray(0, frame.length - 5))).toThrow(TikTokFrameError)
  })

  test('fuzz: mutated real frames are rejected cleanly', () => {
    const frame = realFrame()
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(frame.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const copy = new Uint8Array(frame)
        for (const [at, value] of edits) copy[at] = value
        return decodesCleanly(copy)
      }),
      { numRuns: 500 },
    )
  })

  test('fuzz: random bytes are rejected cleanly', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => decodesCleanly(bytes)), { numRuns: 1000 })
  })
})
