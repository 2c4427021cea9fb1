import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { brotliCompressSync, deflateSync } from 'node:zlib'
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
