import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { ErrorReporter } from './error-reporter'

/**
 * Every 5xx answer reaches the error reporter: the thrown error when there was one (the
 * error handler turned it into the 500), otherwise a message naming the route and status.
 * Headers are not attached, so keys and cookies cannot leak this way. A 503 with Retry-After
 * is lef still starting (waiting for its database, which its own log reports once per
 * attempt), not a failure: every health probe would otherwise be a report.
 */
export function reportServerErrors(reporter: ErrorReporter): MiddlewareHandler {
  return async (c, next) => {
    await next()
    if (c.res.status < 500) return
    if (c.res.status === 503 && c.res.headers.has('retry-after')) return
    const route = safeRoutePath(c)
    const tags = { part: 'http', method: c.req.method, route, status: String(c.res.status) }
    if (c.error) reporter.captureException(c.error, { tags })
    else reporter.captureMessage(`HTTP ${c.res.status} ${c.req.method} ${route}: ${await responseMessage(c.res)}`, { tags })
  }
}

function safeRoutePath(c: Parameters<MiddlewareHandler>[0]): string {
  try {
    // -1: the last matched route is the handler's (`/events/:room`), not this middleware's `*`.
    const p = routePath(c, -1)
    return p && p !== '*' && p !== '/*' ? p : c.req.path
  } catch {
    return c.req.path
  }
}

/** The envelope's `message` (what the client saw), without consuming the body the client gets. */
async function responseMessage(res: Response): Promise<string> {
  try {
    const body = (await res.clone().json()) as { message?: unknown }
    return typeof body.message === 'string' ? body.message.slice(0, 300) : 'no message'
  } catch {
    return 'no message'
  }
}
