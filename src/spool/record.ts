import type { LefEvent } from '../events'

/**
 * One spooled event on disk: a 2-byte marker, the payload length and its CRC-32 (both u32 LE),
 * then the payload (JSON of the event and when it was received). The marker lets a reader find
 * the next whole record after a damaged one; the checksum tells a torn write from a real record.
 */
export interface SpoolRecord {
  event: LefEvent
  receivedAt: number
}

const MARKER_0 = 0x4c // 'L'
const MARKER_1 = 0x53 // 'S'
export const HEADER_BYTES = 10
/** A record longer than this is not a record: the length field itself is damaged. */
const MAX_PAYLOAD = 64 * 1024 * 1024

export function encodeRecord(record: SpoolRecord): Buffer {
  const payload = Buffer.from(JSON.stringify({ r: record.receivedAt, e: record.event }), 'utf8')
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length)
  out[0] = MARKER_0
  out[1] = MARKER_1
  out.writeUInt32LE(payload.length, 2)
  out.writeUInt32LE(Bun.hash.crc32(payload) >>> 0, 6)
  payload.copy(out, HEADER_BYTES)
  return out
}

export interface DecodedSegment {
  records: SpoolRecord[]
  /** Damaged or torn records skipped (a run of unreadable bytes counts once). */
  skipped: number
  /** Bytes that belonged to no valid record. */
  skippedBytes: number
}

/**
 * Every valid record of a segment, in order. A damaged stretch (a torn tail after a crash, a
 * flipped bit) is skipped up to the next position where a whole record with a matching checksum
 * starts; it is counted, never thrown.
 */
export function decodeSegment(buf: Uint8Array): DecodedSegment {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const records: SpoolRecord[] = []
  let skipped = 0
  let skippedBytes = 0
  let inDamage = false
  let at = 0
  while (at < view.length) {
    const record = readAt(view, at)
    if (record) {
      records.push(record.value)
      at = record.next
      inDamage = false
      continue
    }
    if (!inDamage) skipped++
    inDamage = true
    skippedBytes++
    at++
  }
  return { records, skipped, skippedBytes }
}

function readAt(view: Buffer, at: number): { value: SpoolRecord; next: number } | undefined {
  if (at + HEADER_BYTES > view.length || view[at] !== MARKER_0 || view[at + 1] !== MARKER_1) return undefined
  const length = view.readUInt32LE(at + 2)
  const end = at + HEADER_BYTES + length
  if (length > MAX_PAYLOAD || end > view.length) return undefined
  const payload = view.subarray(at + HEADER_BYTES, end)
  if ((Bun.hash.crc32(payload) >>> 0) !== view.readUInt32LE(at + 6)) return undefined
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { r?: unknown; e?: unknown }
    if (typeof parsed.r !== 'number' || typeof parsed.e !== 'object' || parsed.e === null) return undefined
    return { value: { event: parsed.e as LefEvent, receivedAt: parsed.r }, next: end }
  } catch {
    return undefined
  }
}
