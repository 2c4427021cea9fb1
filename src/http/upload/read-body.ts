import { ApiError } from '../api-error'
import { GcPacer } from './gc-pacer'

const GZIP_MAGIC = [0x1f, 0x8b] as const

/**
 * Read a request body into memory, refusing more than `limit` bytes — before and after gunzip,
 * so a small gzip bomb is refused as surely as a large plain body. The stream is read in
 * chunks; an oversized body is never fully buffered.
 */
export async function readBody(req: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit)
  if (!req.body) return new Uint8Array(0)
  const raw = await collect(req.body, limit, Number.isFinite(declared) ? declared : undefined)
  const gzipped = (req.headers.get('content-encoding') ?? '').toLowerCase().includes('gzip') || isGzip(raw)
  if (!gzipped) return raw
  try {
    const stream = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'))
    return await collect(stream, limit)
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError(400, 'Body is not valid gzip')
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]
}

/**
 * Read a stream into one buffer: sized from Content-Length when given, otherwise grown by
 * doubling. Each chunk is copied in as it arrives and then dropped, so the body is held once,
 * not once as chunks and again joined.
 */
async function collect(stream: ReadableStream<Uint8Array>, limit: number, expected?: number): Promise<Uint8Array> {
  const reader = stream.getReader()
  let buf = new Uint8Array(Math.max(0, Math.min(limit, expected ?? 64 * 1024)))
  let size = 0
  // Each chunk read is garbage once copied in.
  const gc = new GcPacer(8 * 1024 * 1024)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (size + value.byteLength > limit) {
        await reader.cancel().catch(() => {})
        throw tooLarge(limit)
      }
      if (size + value.byteLength > buf.byteLength) {
        const grown = new Uint8Array(Math.min(limit, Math.max(size + value.byteLength, buf.byteLength * 2)))
        grown.set(buf.subarray(0, size))
        buf = grown
      }
      buf.set(value, size)
      size += value.byteLength
      gc.add(value.byteLength)
    }
  } finally {
    reader.releaseLock()
  }
  return size === buf.byteLength ? buf : buf.subarray(0, size)
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `Body too large: the limit is ${limit} bytes (UPLOAD_MAX_BYTES), counted after gunzip`)
}
