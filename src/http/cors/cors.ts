import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import type { CorsOrigins } from './cors-origins'

/**
 * Request headers browser clients send: the key, JSON and gzip'd uploads, an SSE resume id and
 * what EventSource polyfills add. The SDK's fetchInfo() sends only `Authorization`.
 */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Content-Encoding', 'Last-Event-ID', 'Cache-Control']

/** Response headers a script may read beyond the safelisted ones: an export's file name, a 503's retry hint. */
export const CORS_EXPOSE_HEADERS = ['Content-Disposition', 'Retry-After']

/**
 * hono's cors() for CORS_ORIGINS, or nothing when it is `off`. Mounted ahead of every key check:
 * a preflight carries no credentials, so it is answered 204 here, and a 401 still carries the
 * headers so a browser script can read why it was refused. Keys are bearer tokens, never
 * cookies, so credentials mode stays off and `*` is allowed.
 */
export function corsMiddleware(origins: CorsOrigins): MiddlewareHandler | undefined {
  if (origins === null) return undefined
  return cors({
    origin: origins,
    allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: 600,
  })
}
