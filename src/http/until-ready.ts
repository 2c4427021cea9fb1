import type { MiddlewareHandler } from 'hono'
import type { Readiness } from '../store/db-readiness'
import { DOCS_PATHS } from './docs/docs-routes'
import { fail } from './envelope'

/**
 * Paths that answer without the database: the health check (it reports the wait itself), what
 * is read from memory (`/info`, `/metrics`) and static pages. Everything else waits for it.
 */
const WITHOUT_DATABASE = new Set<string>(['/', '/ping', '/info', '/metrics', ...DOCS_PATHS, '/dashboard', '/websocket-test.html'])

/**
 * While lef waits for its database, routes that need it answer 503 with Retry-After at once,
 * rather than hanging on a connection that is not there or failing with a 500.
 */
export function untilReady(readiness: Readiness): MiddlewareHandler {
  return async (c, next) => {
    if (readiness.ready || WITHOUT_DATABASE.has(c.req.path)) return next()
    c.header('Retry-After', String(readiness.retryAfterSeconds()))
    // No cause here: this answers before any key check, and causes can name hosts; /ping with AUTH_KEY has them.
    return fail(c, 503, 'lef is not ready yet: still starting (/ping with AUTH_KEY names the cause)')
  }
}
