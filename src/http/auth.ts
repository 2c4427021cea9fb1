import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { type AuthFailLimiter, clientAddress } from './auth-fail-limit'
import { fail } from './envelope'

/**
 * Compare a presented key against the accepted ones in constant time. Both sides are hashed
 * first so neither the length nor the content of a key leaks through timing. Every key is
 * checked, so which key matched does not leak either.
 */
export function keyMatches(presented: string, accepted: readonly string[]): boolean {
  const p = createHash('sha256').update(presented).digest()
  let match = false
  for (const key of accepted) {
    const k = createHash('sha256').update(key).digest()
    if (timingSafeEqual(p, k)) match = true
  }
  return match
}

/** The key a request presents: `Authorization: Bearer <key>`, a bare `Authorization: <key>`, or `?token=`. */
export function presentedKey(req: Request): string | undefined {
  const header = req.headers.get('authorization')
  if (header) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim())
    return (m?.[1] ?? header).trim()
  }
  const token = new URL(req.url).searchParams.get('token')
  return token ?? undefined
}

/** What a key check decided: go on, or refuse with this status (and, for 429, when to come back). */
export type KeyVerdict = { ok: true } | { ok: false; status: 401 | 429; message: string; retryAfter?: number }

/** Where a request came from and who counts its wrong keys (AUTH_FAIL_LIMIT). */
export interface FailureGuard {
  limiter: AuthFailLimiter
  address: string
}

/**
 * Check a presented key against `keys`. A missing key is not an attempt; a wrong one is counted
 * against the address, and an address past the limit is refused before its key is looked at,
 * so the answer tells a guesser nothing. `what` names the variable, never the key.
 */
export function verifyKey(presented: string | undefined, keys: readonly string[], what: string, guard?: FailureGuard): KeyVerdict {
  if (presented === undefined) return { ok: false, status: 401, message: `Missing key: send Authorization: Bearer <${what}> or ?token=` }
  const wait = guard?.limiter.retryAfterSeconds(guard.address) ?? 0
  if (wait > 0) return { ok: false, status: 429, message: `Too many wrong keys from this address: try again in ${wait} s`, retryAfter: wait }
  if (keyMatches(presented, keys)) return { ok: true }
  guard?.limiter.fail(guard.address)
  return { ok: false, status: 401, message: `Wrong key: the ${what} does not match` }
}

/** Answer a refused key check: the JSON envelope, with Retry-After on a 429. */
export function refuse(c: Context, verdict: Extract<KeyVerdict, { ok: false }>) {
  if (verdict.retryAfter !== undefined) c.header('Retry-After', String(verdict.retryAfter))
  return fail(c, verdict.status, verdict.message)
}

/**
 * Require one of `keys`. With no keys configured the route is open. With `limiter`, wrong keys
 * count against the client's address (AUTH_FAIL_LIMIT).
 */
export function requireKey(keys: readonly string[], what: string, limiter?: AuthFailLimiter): MiddlewareHandler {
  return async (c, next) => {
    if (keys.length === 0) return next()
    const guard = limiter ? { limiter, address: clientAddress(c.req.raw, c.env) } : undefined
    const verdict = verifyKey(presentedKey(c.req.raw), keys, what, guard)
    if (!verdict.ok) return refuse(c, verdict)
    return next()
  }
}
