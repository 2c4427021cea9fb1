/**
 * The protobuf baseline: a schema-less decoder in the manner of `protoc --decode_raw`. It reads
 * every field of a message into a generic node, and tries each length-delimited field as a
 * nested message (falling back to a UTF-8 string), so it touches every byte a typed decoder
 * would, without knowing any schema.
 */

export type RawValue = number | bigint | string | Uint8Array | RawField[]

export interface RawField {
  no: number
  wireType: number
  value: RawValue
}

class WireError extends Error {}

const text = new TextDecoder('utf-8', { fatal: true })

export class WireReader {
  pos = 0
  constructor(readonly buf: Uint8Array, readonly end = buf.byteLength) {}

  varint(): bigint | number {
    let result = 0
    let shift = 0
    // Fast path: values below 2^28 stay in plain numbers.
    for (; shift < 28; shift += 7) {
      if (this.pos >= this.end) throw new WireError('truncated varint')
      const b = this.buf[this.pos++]!
      result |= (b & 0x7f) << shift
      if (b < 0x80) return result >>> 0
    }
    let big = BigInt(result >>> 0)
    for (; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new WireError('truncated varint')
      const b = this.buf[this.pos++]!
      big |= BigInt(b & 0x7f) << BigInt(shift)
      if (b < 0x80) return big
    }
    throw new WireError('varint too long')
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new WireError('truncated field')
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
}

/** Every field of one message, without recursing (used for the envelope levels). */
export function walkFlat(buf: Uint8Array): RawField[] {
  const r = new WireReader(buf)
  const out: RawField[] = []
  while (r.pos < r.end) {
    const tag = Number(r.varint())
    const no = tag >>> 3
    const wireType = tag & 7
    if (no === 0) throw new WireError('field number 0')
    let value: RawValue
    switch (wireType) {
      case 0: value = r.varint(); break
      case 1: value = r.bytes(8); break
      case 2: value = r.bytes(Number(r.varint())); break
      case 5: value = r.bytes(4); break
      default: throw new WireError(`wire type ${wireType}`)
    }
    out.push({ no, wireType, value })
  }
  return out
}

/** Every field, recursively: a length-delimited field becomes a nested message if it parses as one, else a string, else bytes. */
export function walkDeep(buf: Uint8Array, depth = 0): RawField[] {
  const fields = walkFlat(buf)
  for (const f of fields) {
    if (f.wireType !== 2) continue
    const bytes = f.value as Uint8Array
    if (bytes.byteLength === 0) continue
    if (depth < 32) {
      try {
        f.value = walkDeep(bytes, depth + 1)
        continue
      } catch {
        // not a message
      }
    }
    try {
      f.value = text.decode(bytes)
    } catch {
      // raw bytes stay
    }
  }
  return fields
}

export function field(fields: RawField[], no: number): RawField | undefined {
  return fields.find((f) => f.no === no)
}
