import { describe, expect, spyOn, test } from 'bun:test'
import fc from 'fast-check'
import { brotliCompressSync, deflateSync, inflateSync } from 'node:zlib'
import { decodeMessage, encodePacket, PacketError, readPopularity } from '../../../src/platforms/bilibili/packet'
import { Operation, ProtocolVersion } from '../../../src/platforms/bilibili/protocol'
import { readFixture } from '../../fixtures'

const zlibFrame = () => readFixture('bilibili', 'laplace-live-ws', 'danmu_msg_protover2_zlib.bin')
const brotliFrame = () => readFixture('bilibili', 'laplace-live-ws', 'danmu_msg_protover3_brotli.bin')
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b))

describe('bilibili packet codec on real frames', () => {
  test('zlib (ver 2) frame: one inner ver 0 op 5 DANMU_MSG "test v2"', () => {
    const packets = decodeMessage(zlibFrame())
    expect(packets).toHaveLength(1)
    const [p] = packets
    expect(p?.version).toBe(ProtocolVersion.Normal)
    expect(p?.op).toBe(Operation.Message)
    expect(p?.body.byteLength).toBe(2658 - 16)
    const msg = json(p!.body)
    expect(msg.cmd).toBe('DANMU_MSG')
    expect(msg.info[1]).toBe('test v2')
    expect(msg.info[2][0]).toBe(3493079520643315)
  })

  test('brotli (ver 3) frame gives the same kind of message: DANMU_MSG "test v3"', () => {
    const packets = decodeMessage(brotliFrame())
    expect(packets).toHaveLength(1)
    const msg = json(packets[0]!.body)
    expect(msg.cmd).toBe('DANMU_MSG')
    expect(msg.info[1]).toBe('test v3')
    expect(packets[0]!.body.byteLength).toBe(2659 - 16)
    // same shape: same user, same id_str field present in extra
    const v2 = json(decodeMessage(zlibFrame())[0]!.body)
    expect(msg.info[2][0]).toBe(v2.info[2][0])
    expect(Object.keys(JSON.parse(msg.info[0][15].extra))).toContain('id_str')
  })

  test('several packets in one message and several inner packets after decompression', () => {
    const a = encodePacket(Operation.Message, '{"cmd":"A"}', ProtocolVersion.Normal, 0)
    const b = encodePacket(Operation.Message, '{"cmd":"B"}', ProtocolVersion.Normal, 0)
    const inner = Buffer.concat([a, b])
    const zl = encodePacket(Operation.Message, deflateSync(inner), ProtocolVersion.Zlib, 0)
    const br = encodePacket(Operation.Message, brotliCompressSync(inner), ProtocolVersion.Brotli, 0)
    const packets = decodeMessage(Buffer.concat([zl, br, a]))
    expect(packets.map((p) => json(p.body).cmd)).toEqual(['A', 'B', 'A', 'B', 'A'])
  })

  test('heartbeat reply: popularity, and the echoed client body after it is not a packet', () => {
    // Real layout: header says 20 bytes, then popularity 2466, then the echo "[object Object]".
    const reply = Buffer.concat([Buffer.from('00000014001000010000000300000000000009a2', 'hex'), Buffer.from('[object Object]')])
    const packets = decodeMessage(reply)
    expect(packets).toHaveLength(1)
    expect(packets[0]!.op).toBe(Operation.HeartbeatReply)
    expect(readPopularity(packets[0]!.body)).toBe(2466)
  })

  test('auth reply header as captured (0000001a 0010 0001 00000008 00000001)', () => {
    const frame = Buffer.concat([Buffer.from('0000001a001000010000000800000001', 'hex'), Buffer.from('{"code":0}')])
    const [p] = decodeMessage(frame)
    expect(p?.op).toBe(Operation.AuthReply)
    expect(p?.sequence).toBe(1)
    expect(json(p!.body)).toEqual({ code: 0 })
  })

  test('encoder: auth and heartbeat packets use ver 1, seq 1 and a correct length', () => {
    const hb = encodePacket(Operation.Heartbeat)
    expect(Buffer.from(hb).toString('hex')).toBe('00000010001000010000000200000001')
    const auth = encodePacket(Operation.Auth, '{"roomid":1}')
    expect(new DataView(auth.buffer).getUint32(0)).toBe(16 + 12)
    expect(new DataView(auth.buffer).getUint32(8)).toBe(7)
  })

  test('clear errors on truncated and malformed frames', () => {
    const frame = brotliFrame()
    expect(() => decodeMessage(frame.subarray(0, 10))).toThrow(PacketError)
    expect(() => decodeMessage(frame.subarray(0, 500))).toThrow(/truncated/)
    const badLen = Buffer.from(frame)
    badLen.writeUInt32BE(8, 0)
    expect(() => decodeMessage(badLen)).toThrow(/below its header length/)
    const badVer = Buffer.from(frame)
    badVer.writeUInt16BE(9, 6)
    expect(() => decodeMessage(badVer)).toThrow(/unknown protocol version 9/)
    const badBody = Buffer.from(frame)
    badBody.fill(0x55, 20, 60)
    expect(() => decodeMessage(badBody)).toThrow(/brotli body does not decompress/)
  })

  test('compression bombs are refused', () => {
    const inner = encodePacket(Operation.Message, 'x'.repeat(200_000), ProtocolVersion.Normal)
    const frame = encodePacket(Operation.Message, deflateSync(inner), ProtocolVersion.Zlib)
    expect(() => decodeMessage(frame, { maxInflatedBytes: 1000 })).toThrow(PacketError)
  })
})

describe('zlib (ver 2) fast path: Bun.inflateSync when the ratio bound keeps it under the limit', () => {
  const zlibOf = (inner: Uint8Array, level = 6) => encodePacket(Operation.Message, deflateSync(inner, { level }), ProtocolVersion.Zlib, 0)
  const inner = (text: string) => encodePacket(Operation.Message, text, ProtocolVersion.Normal, 0)

  test('the real zlib frame goes through Bun.inflateSync and gives node:zlib\'s bytes', () => {
    const spy = spyOn(Bun, 'inflateSync')
    try {
      const frame = zlibFrame()
      const [p] = decodeMessage(frame)
      expect(spy).toHaveBeenCalledTimes(1)
      const expected = inflateSync(frame.subarray(16)).subarray(16)
      expect(Buffer.from(p!.body).equals(expected)).toBe(true)
    } finally {
      spy.mockRestore()
    }
  })

  test('any payload and compression level decodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), fc.integer({ min: 0, max: 9 }), (text, level) => {
        const packets = decodeMessage(zlibOf(inner(text), level))
        expect(packets).toHaveLength(1)
        expect(new TextDecoder().decode(packets[0]!.body)).toBe(new TextDecoder().decode(new TextEncoder().encode(text)))
      }),
      { numRuns: 200 },
    )
  })

  test('a wrong adler32 trailer, a bad zlib header or a cut stream is a PacketError', () => {
    const frame = Buffer.from(zlibFrame())
    const badSum = Buffer.from(frame)
    badSum[badSum.length - 1]! ^= 0x01
    expect(() => decodeMessage(badSum)).toThrow(/zlib body does not decompress/)
    const badHeader = Buffer.from(frame)
    badHeader[17] = 0x00 // 0x78 0x00 fails the header check
    expect(() => decodeMessage(badHeader)).toThrow(/zlib body does not decompress: incorrect header check/)
    const cut = Buffer.from(frame.subarray(0, frame.length - 40))
    cut.writeUInt32BE(cut.length, 0)
    expect(() => decodeMessage(cut)).toThrow(/zlib body does not decompress/)
    const rawDeflate = Buffer.from(encodePacket(Operation.Message, Bun.deflateSync('{"cmd":"A"}'), ProtocolVersion.Zlib, 0))
    expect(() => decodeMessage(rawDeflate)).toThrow(PacketError)
  })

  test('bomb guard: a body whose 1032:1 bound exceeds the limit is capped by node:zlib instead', () => {
    // 200 kB of one letter deflates to a few hundred bytes.
    const frame = zlibOf(inner('x'.repeat(200_000)), 9)
    const compressed = frame.byteLength - 16
    const spy = spyOn(Bun, 'inflateSync')
    try {
      expect(() => decodeMessage(frame, { maxInflatedBytes: 100_000 })).toThrow(/zlib body does not decompress/)
      expect(spy).not.toHaveBeenCalled()
      // Exactly at the bound the output cannot exceed the limit: the fast path is safe.
      const [p] = decodeMessage(frame, { maxInflatedBytes: compressed * 1032 })
      expect(p!.body.byteLength).toBe(200_000)
      expect(spy).toHaveBeenCalledTimes(1)
      // One byte under the bound: node:zlib with the cap, same result when it fits.
      const [q] = decodeMessage(frame, { maxInflatedBytes: compressed * 1032 - 1 })
      expect(q!.body.byteLength).toBe(200_000)
      expect(spy).toHaveBeenCalledTimes(1)
    } finally {
      spy.mockRestore()
    }
  })
})

describe('bilibili packet decoder fuzzing', () => {
  const frames = [zlibFrame(), brotliFrame()]

  test('mutated real frames decode or throw PacketError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (which, edits) => {
          const buf = Buffer.from(frames[which]!)
          for (const [pos, val] of edits) buf[pos % buf.length] = val
          try {
            const packets = decodeMessage(buf)
            for (const p of packets) expect(p.body.byteLength).toBeGreaterThanOrEqual(0)
          } catch (err) {
            expect(err).toBeInstanceOf(PacketError)
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  test('truncated real frames are always rejected with PacketError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.nat(), (which, cut) => {
        const f = frames[which]!
        const at = cut % f.length
        expect(() => decodeMessage(f.subarray(0, at))).toThrow(PacketError)
      }),
      { numRuns: 300 },
    )
  })

  test('random bytes never crash the decoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(PacketError)
        }
      }),
      { numRuns: 500 },
    )
  })
})
