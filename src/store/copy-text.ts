import { eventJson } from '../events'
import type { NewEventRow } from './schema'

/** The `events` columns a COPY writes, in the order copyText emits them. */
export const COPY_COLUMNS = ['id', 'platform', 'room', 'origin', 'type', 'uid', 'event_time', 'received_at', 'paid', 'price_normalized', 'data'] as const

const SPECIAL = /[\\\t\n\r]/
const SPECIAL_ALL = /[\\\t\n\r]/g
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }

/** A text field of COPY's text format: backslash, tab, newline and carriage return escaped. */
function field(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : s
}

/**
 * A number no column can hold. It carries SQLSTATE 22003 (numeric value out of range), so the
 * writer treats it as PostgreSQL's own refusal: that row is rejected and logged, and the rest of
 * its batch is stored, instead of the batch being retried forever.
 */
export class NonFiniteNumberError extends RangeError {
  override name = 'NonFiniteNumberError'
  readonly code = '22003'
}

/** A finite number as PostgreSQL reads it (never exponent-free surprises like "NaN"). */
function num(n: number): string {
  if (!Number.isFinite(n)) throw new NonFiniteNumberError(`${n} cannot be stored in a numeric column`)
  return String(n)
}

// A row's line, kept on the row once built (a symbol key: invisible to drizzle and JSON).
const LINE = Symbol('copyLine')
type LinedRow = NewEventRow & { [LINE]?: string }

/**
 * One row in PostgreSQL's COPY text format (tab-separated, `\N` for null, newline-terminated),
 * in COPY_COLUMNS order; built once per row and remembered. JSON.stringify never emits a raw tab
 * or line break, so `data` only ever needs its backslashes doubled.
 */
export function copyLine(row: NewEventRow): string {
  const r = row as LinedRow
  const cached = r[LINE]
  if (cached !== undefined) return cached
  const json = eventJson(r.data)
  const line = `${field(r.id)}\t${field(r.platform)}\t${field(r.room)}\t${num(r.origin)}\t${field(r.type)}\t${
    r.uid === null || r.uid === undefined ? '\\N' : field(r.uid)
  }\t${num(r.eventTime)}\t${num(r.receivedAt)}\t${r.paid ? 't' : 'f'}\t${num(r.priceNormalized ?? 0)}\t${
    json.includes('\\') ? json.replaceAll('\\', '\\\\') : json
  }\n`
  r[LINE] = line
  return line
}

/** Rows in COPY text format, one line each (see copyLine). */
export function copyText(rows: readonly NewEventRow[]): string {
  let out = ''
  for (const r of rows) out += copyLine(r)
  return out
}
