import { ApiError } from '../api-error'

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
  const raw = await collect(req.body, limit)
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

async function collect(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > limit) {
        await reader.cancel().catch(() => {})
        throw tooLarge(limit)
      }
      chunks.push(value)
    }
  } finally {
    reader.releaseLock()
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, `Body too large: the limit is ${limit} bytes (UPLOAD_MAX_BYTES), counted after gunzip`)
}
