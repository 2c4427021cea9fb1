/** `retry-after` as seconds or an HTTP date → ms; `fallbackMs` when absent or unreadable. */
export function retryAfterMs<F extends number | undefined>(header: string | null, now: number, fallbackMs: F): number | F {
  if (header === null || header.trim() === '') return fallbackMs
  const secs = Number(header)
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000)
  const at = Date.parse(header)
  if (Number.isFinite(at)) return Math.max(0, at - now)
  return fallbackMs
}
