import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { ApiError } from './api-error'

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

/**
 * Require one of `keys`. With no keys configured the route is open. `what` names the
 * variable in the error so an operator knows which key is meant (never the key itself).
 */
export function requireKey(keys: readonly string[], what: string): MiddlewareHandler {
  return async (c, next) => {
    if (keys.length === 0) return next()
    const presented = presentedKey(c.req.raw)
    if (presented === undefined) throw new ApiError(401, `Missing key: send Authorization: Bearer <${what}> or ?token=`)
    if (!keyMatches(presented, keys)) throw new ApiError(401, `Wrong key: the ${what} does not match`)
    return next()
  }
}
