import { brotliDecompressSync, inflateSync } from 'node:zlib'
import { HEADER_LENGTH, HeaderOffset, Operation, ProtocolVersion } from './protocol'

/** One decoded packet. `body` is a view into the received (or decompressed) buffer, not a copy. */
export interface Packet {
  version: number
  op: number
  sequence: number
  body: Uint8Array
}

/** A frame that is not a valid packet sequence (truncated, bad lengths, bad compression). */
export class PacketError extends Error {
  override name = 'PacketError'
}

export interface DecodeOptions {
  /** Largest decompressed body accepted (a guard against compression bombs). */
  maxInflatedBytes?: number
}

const DEFAULT_MAX_INFLATED = 16 * 1024 * 1024
// Compressed bodies hold plain inner packets; allow one more level in case, never unbounded.
const MAX_NESTING = 2

/**
 * Decode one WebSocket message into its packets, in order. Compressed (ver 2/3) packets are
 * replaced by the packets inside them, so callers only ever see ver 0/1 packets.
 * Throws PacketError on anything malformed.
 */
export function decodeMessage(data: Uint8Array, opts: DecodeOptions = {}): Packet[] {
  const out: Packet[] = []
  decodeInto(data, out, 0, opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED)
  return out
}

// Big-endian header fields read from the bytes: a DataView needs the array's `.buffer`, and
// asking a Buffer for it cost ~2.5% of lef's CPU in the ingest profile.
const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!
const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0

function decodeInto(buf: Uint8Array, out: Packet[], depth: number, maxInflated: number): void {
  if (buf.byteLength < HEADER_LENGTH) throw new PacketError(`frame of ${buf.byteLength} bytes is shorter than a header`)
  let offset = 0
  while (offset < buf.byteLength) {
    const remaining = buf.byteLength - offset
    if (remaining < HEADER_LENGTH) throw new PacketError(`${remaining} trailing bytes at offset ${offset}: truncated header`)
    const packetLength = u32(buf, offset + HeaderOffset.packetLength)
    const headerLength = u16(buf, offset + HeaderOffset.headerLength)
    const version = u16(buf, offset + HeaderOffset.version)
    const op = u32(buf, offset + HeaderOffset.operation)
    const sequence = u32(buf, offset + HeaderOffset.sequence)
    if (headerLength < HEADER_LENGTH) throw new PacketError(`header length ${headerLength} at offset ${offset} is below ${HEADER_LENGTH}`)
    if (packetLength < headerLength) throw new PacketError(`packet length ${packetLength} at offset ${offset} is below its header length ${headerLength}`)
    if (packetLength > remaining) throw new PacketError(`packet length ${packetLength} at offset ${offset} exceeds the ${remaining} bytes left: truncated`)
    const body = buf.subarray(offset + headerLength, offset + packetLength)

    if (version === ProtocolVersion.Zlib || version === ProtocolVersion.Brotli) {
      if (depth >= MAX_NESTING) throw new PacketError(`compressed packets nested deeper than ${MAX_NESTING}`)
      decodeInto(inflate(body, version, maxInflated), out, depth + 1, maxInflated)
    } else if (version === ProtocolVersion.Normal || version === ProtocolVersion.Heartbeat) {
      out.push({ version, op, sequence, body })
    } else {
      throw new PacketError(`unknown protocol version ${version} at offset ${offset}`)
    }

    // The heartbeat reply's length excludes the echoed client body that follows it: nothing
    // after it in this message is a packet (blivedm reads only the 4 popularity bytes).
    if (op === Operation.HeartbeatReply) return
    offset += packetLength
  }
}

function inflate(body: Uint8Array, version: number, maxInflated: number): Uint8Array {
  try {
    if (version === ProtocolVersion.Brotli) return brotliDecompressSync(body, { maxOutputLength: maxInflated, chunkSize: BROTLI_CHUNK })
    return body.byteLength * MAX_DEFLATE_RATIO <= maxInflated ? inflateZlib(body) : inflateSync(body, { maxOutputLength: maxInflated })
  } catch (err) {
    const kind = version === ProtocolVersion.Brotli ? 'brotli' : 'zlib'
    throw new PacketError(`${kind} body does not decompress: ${(err as Error).message}`, { cause: err })
  }
}

// A server batch usually inflates to under 32 KiB: one output chunk, where node:zlib's default
// 16 KiB chunks mean a second chunk plus a concat copy (measured ~8% off the brotli time).
const BROTLI_CHUNK = 32 * 1024

// Deflate expands at most 1032:1 (zlib FAQ), so a body this small cannot exceed the limit and
// needs no output cap: that lets it skip node:zlib, which builds a stream object per call.
const MAX_DEFLATE_RATIO = 1032

/**
 * One zlib stream (header, deflate data, adler32) through Bun's native inflate. windowBits 15
 * makes zlib itself check the header and the adler32 trailer, as node:zlib's inflateSync does.
 * Bun's libdeflate option measured slower on these bodies (37 µs against 21 µs for a 24 kB batch).
 */
function inflateZlib(body: Uint8Array): Uint8Array {
  return Bun.inflateSync(body as Uint8Array<ArrayBuffer>, { library: 'zlib', windowBits: 15 })
}

/** Popularity (人气值, deprecated upstream) from a heartbeat reply body: its first u32. */
export function readPopularity(body: Uint8Array): number {
  if (body.byteLength < 4) throw new PacketError(`heartbeat reply body of ${body.byteLength} bytes has no popularity`)
  return u32(body, 0)
}

const encoder = new TextEncoder()

/** Build one packet. Client packets use ver 1 and sequence 1 like every known client. */
export function encodePacket(
  op: Operation,
  body: string | Uint8Array = new Uint8Array(0),
  version: ProtocolVersion = ProtocolVersion.Heartbeat,
  sequence = 1,
): Uint8Array {
  const payload = typeof body === 'string' ? encoder.encode(body) : body
  const out = new Uint8Array(HEADER_LENGTH + payload.byteLength)
  const view = new DataView(out.buffer)
  view.setUint32(HeaderOffset.packetLength, out.byteLength)
  view.setUint16(HeaderOffset.headerLength, HEADER_LENGTH)
  view.setUint16(HeaderOffset.version, version)
  view.setUint32(HeaderOffset.operation, op)
  view.setUint32(HeaderOffset.sequence, sequence)
  out.set(payload, HEADER_LENGTH)
  return out
}
