/**
 * Readers for untrusted upstream JSON: each returns the value when it has the expected type,
 * else the fallback. Handlers stay short and never throw on a missing or odd field.
 */

export type Json = Record<string, unknown>

export function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {}
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : []
}

/** Numbers, and numeric strings (newer captures serialise ids as strings). */
export function num(v: unknown, fallback = 0): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v)
    if (Number.isFinite(n)) return n
  }
  return fallback
}

export function str(v: unknown, fallback = ''): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  return fallback
}

export function bool(v: unknown): boolean {
  return v === true || v === 1 || v === 'true'
}

/** Parse a JSON string field (DANMU_MSG extra, DM_INTERACTION data); {} when it is not JSON. */
export function jsonField(v: unknown): Json {
  if (typeof v !== 'string' || v === '') return obj(v)
  try {
    return obj(JSON.parse(v))
  } catch {
    return {}
  }
}

/** A message without its essential fields is not an event: throw so the normaliser counts it. */
export function need(ok: unknown, what: string): void {
  if (!ok) throw new Error(`missing or malformed ${what}`)
}

export function isNum(v: unknown): boolean {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
}
