import { ConnectorError } from '../connector'

/**
 * Wrap a fetch failure as NETWORK (a request timeout included). The session tells a stop by
 * its own signal, not by the error's name.
 */
export function networkError(what: string, err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err
  return new ConnectorError('NETWORK', `${what}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err })
}

/** `retry-after` as seconds or an HTTP date → ms; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number, fallbackMs: number): number {
  if (header === null || header.trim() === '') return fallbackMs
  const secs = Number(header)
  if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000)
  const at = Date.parse(header)
  if (Number.isFinite(at)) return Math.max(0, at - now)
  return fallbackMs
}
