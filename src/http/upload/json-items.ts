import { ApiError } from '../api-error'

/**
 * Finds the events in an upload body without parsing the whole document into objects at once:
 * only byte ranges are found here, and each event is parsed on its own by the caller, so a
 * 50 MB upload never exists as one giant object graph. Nesting deeper than the limit is refused
 * before any parser (or the database driver) recurses into it.
 *
 * Forms: a JSON array of events; an archive object `{ …, events: [...] }` (LAPLACE Chat
 * `.lca`); a single event object; NDJSON (one event per non-empty line).
 */

/** One event's bytes in the body; `line` (1-based) for NDJSON, to name it in errors. */
export interface ItemRange {
  start: number
  end: number
  line?: number
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const NEWLINE = 0x0a

const utf8 = new TextDecoder('utf-8', { fatal: true })

class Malformed extends Error {}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function skipSpace(b: Uint8Array, i: number, end = b.length): number {
  while (i < end && isSpace(b[i])) i++
  return i
}

function tooDeep(maxDepth: number): ApiError {
  return new ApiError(400, `JSON nested deeper than ${maxDepth} levels (UPLOAD_MAX_DEPTH): nothing stored`)
}

/** Index just past the string starting at `i` (on its opening quote). */
function skipString(b: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = b[j]
    if (c === BACKSLASH) j++
    else if (c === QUOTE) return j + 1
  }
  throw new Malformed(`unterminated string starting at byte ${i}`)
}

/**
 * Index just past the value starting at `i` (a non-space byte). Brackets must match and nesting
 * stay within `maxDepth` counting `depth` levels already around it; scalars are only delimited
 * here, JSON.parse checks them when the item is parsed.
 */
function skipValue(b: Uint8Array, i: number, end: number, depth: number, maxDepth: number): number {
  const c = b[i]
  if (c === QUOTE) return skipString(b, i, end)
  if (c !== OPEN_ARRAY && c !== OPEN_OBJECT) {
    let j = i
    while (j < end) {
      const d = b[j]
      if (isSpace(d) || d === COMMA || d === CLOSE_ARRAY || d === CLOSE_OBJECT || d === COLON) break
      j++
    }
    if (j === i) throw new Malformed(`unexpected ${describe(b, i)} at byte ${i}`)
    return j
  }
  const closers: number[] = []
  for (let j = i; j < end; j++) {
    const d = b[j]
    if (d === QUOTE) {
      j = skipString(b, j, end) - 1
    } else if (d === OPEN_ARRAY || d === OPEN_OBJECT) {
      if (depth + closers.length + 1 > maxDepth) throw tooDeep(maxDepth)
      closers.push(d === OPEN_ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT)
    } else if (d === CLOSE_ARRAY || d === CLOSE_OBJECT) {
      if (closers.pop() !== d) throw new Malformed(`unexpected ${describe(b, j)} at byte ${j}`)
      if (closers.length === 0) return j + 1
    }
  }
  throw new Malformed('unexpected end of data')
}

function describe(b: Uint8Array, i: number): string {
  const c = b[i]
  if (c === undefined) return 'end of data'
  return c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16)}`
}

/** Scanning yields to the event loop this often (ms). */
const SLICE_MS = 5

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * The elements of the array whose `[` is at `i` (`depth` levels around the array itself), and
 * the index just past its `]`.
 */
async function arrayItems(b: Uint8Array, i: number, end: number, depth: number, maxDepth: number): Promise<{ items: ItemRange[]; end: number }> {
  if (depth + 1 > maxDepth) throw tooDeep(maxDepth)
  const items: ItemRange[] = []
  let j = skipSpace(b, i + 1, end)
  if (b[j] === CLOSE_ARRAY) return { items, end: j + 1 }
  let sliceStart = performance.now()
  for (;;) {
    if (j >= end) throw new Malformed('unexpected end of data')
    const stop = skipValue(b, j, end, depth + 1, maxDepth)
    items.push({ start: j, end: stop })
    j = skipSpace(b, stop, end)
    if (b[j] === CLOSE_ARRAY) return { items, end: j + 1 }
    if (b[j] !== COMMA) throw new Malformed(`expected "," or "]" but found ${describe(b, j)} at byte ${j}`)
    j = skipSpace(b, j + 1, end)
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTick()
      sliceStart = performance.now()
    }
  }
}

/**
 * The `events` array of an archive object, or undefined when it has none (a single event).
 * Other fields are checked as JSON but not kept.
 */
async function archiveEvents(b: Uint8Array, i: number, end: number, maxDepth: number): Promise<{ items?: ItemRange[]; end: number }> {
  let found: ItemRange[] | undefined
  let j = skipSpace(b, i + 1, end)
  if (b[j] === CLOSE_OBJECT) return { end: j + 1 }
  for (;;) {
    if (b[j] !== QUOTE) throw new Malformed(`expected a field name but found ${describe(b, j)} at byte ${j}`)
    const keyEnd = skipString(b, j, end)
    const key = JSON.parse(decode(b, j, keyEnd)) as string
    j = skipSpace(b, keyEnd, end)
    if (b[j] !== COLON) throw new Malformed(`expected ":" but found ${describe(b, j)} at byte ${j}`)
    j = skipSpace(b, j + 1, end)
    if (j >= end) throw new Malformed('unexpected end of data')
    if (key === 'events') {
      if (b[j] !== OPEN_ARRAY) throw new ApiError(400, 'Archive object has an `events` field that is not an array')
      const array = await arrayItems(b, j, end, 1, maxDepth)
      found = array.items
      j = array.end
    } else {
      const stop = skipValue(b, j, end, 1, maxDepth)
      JSON.parse(decode(b, j, stop))
      j = stop
    }
    j = skipSpace(b, j, end)
    if (b[j] === COMMA) {
      j = skipSpace(b, j + 1, end)
      continue
    }
    if (b[j] === CLOSE_OBJECT) return { items: found, end: j + 1 }
    throw new Malformed(`expected "," or "}" but found ${describe(b, j)} at byte ${j}`)
  }
}

/** Text of a byte range; a body that is not UTF-8 is refused. */
export function decode(b: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(b.subarray(start, end))
  } catch {
    throw new ApiError(400, 'Body is not valid UTF-8 text')
  }
}

/** The event ranges of an upload body, in order. Throws ApiError 400 for a malformed or too-deep body. */
export async function findItems(b: Uint8Array, maxDepth: number): Promise<ItemRange[]> {
  let start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0
  start = skipSpace(b, start)
  let end = b.length
  while (end > start && isSpace(b[end - 1])) end--
  if (start >= end) throw new ApiError(400, 'Body is empty: send a JSON array of events, an archive object with `events`, or NDJSON')
  let whole: { items: ItemRange[]; end: number } | undefined
  let firstError: string | undefined
  try {
    whole = await firstDocument(b, start, end, maxDepth)
  } catch (err) {
    if (!(err instanceof Malformed || err instanceof SyntaxError)) throw err
    firstError = err.message
  }
  if (whole && whole.end === end) return whole.items
  // Not one JSON document: NDJSON, one event per non-empty line.
  const lines = ndjsonLines(b, start, end)
  if (lines.length < 2) throw new ApiError(400, `Malformed JSON: ${firstError ?? `unexpected data after the document at byte ${whole?.end}`}`)
  let sliceStart = performance.now()
  for (const line of lines) {
    try {
      if (skipValue(b, line.start, line.end, 0, maxDepth) !== line.end) throw new Malformed('more than one value on the line')
    } catch (err) {
      if (!(err instanceof Malformed)) throw err
      throw new ApiError(400, `Malformed NDJSON at line ${line.line}: ${err.message}`)
    }
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTick()
      sliceStart = performance.now()
    }
  }
  return lines
}

/** The events of the JSON value at `start` and where that value ends (the body's end, unless NDJSON). */
async function firstDocument(b: Uint8Array, start: number, end: number, maxDepth: number): Promise<{ items: ItemRange[]; end: number }> {
  if (b[start] === OPEN_ARRAY) return arrayItems(b, start, end, 0, maxDepth)
  if (b[start] === OPEN_OBJECT) {
    const archive = await archiveEvents(b, start, end, maxDepth)
    return { items: archive.items ?? [{ start, end: archive.end }], end: archive.end }
  }
  const stop = skipValue(b, start, end, 0, maxDepth)
  if (stop !== end) return { items: [], end: stop }
  JSON.parse(decode(b, start, end))
  throw new ApiError(400, 'Body must be a JSON array of events, an archive object with `events`, or NDJSON')
}

function ndjsonLines(b: Uint8Array, start: number, end: number): ItemRange[] {
  const lines: ItemRange[] = []
  let line = 1
  let i = start
  // Line numbers count from the body's first non-space byte, as the trimmed text did.
  while (i < end) {
    let nl = b.indexOf(NEWLINE, i)
    if (nl === -1 || nl > end) nl = end
    const s = skipSpace(b, i, nl)
    let e = nl
    while (e > s && isSpace(b[e - 1])) e--
    if (e > s) lines.push({ start: s, end: e, line })
    line++
    i = nl + 1
  }
  return lines
}
