import { ApiError } from './api-error'
import { requireKey } from './auth'
import { corsMiddleware } from './cors/cors'
import type { HttpDeps } from './deps'
import { errorHandler, notFound } from './error-handler'
import { dashboardRoutes } from './dashboard/dashboard-routes'
import { DOCS_PATHS, mountDocs } from './docs/docs-routes'
import { SCHEMES } from './docs/openapi-document'
import { createRouter } from './openapi'
import { eventsRoutes } from './routes/events'
import { exportRoutes } from './routes/export'
import { infoRoutes } from './routes/info'
import { pingRoutes } from './routes/ping'
import { routePath } from './request-path'
import { messagesRoutes } from './routes/messages'
import { roomsRoutes } from './routes/rooms'
import { searchRoutes } from './routes/search'
import { statsRoutes } from './routes/stats'
import { uploadRoutes } from './routes/upload'
import { untilReady } from './until-ready'

/**
 * Paths AUTH_KEY does not guard: the health check, uploads (UPLOAD_KEY guards them), API docs,
 * the bridge test page (it holds no data; the user types the token into it) and `/`, which only
 * redirects to the dashboard.
 */
const OPEN_PATHS = new Set<string>(['/', '/ping', '/upload', ...DOCS_PATHS, '/websocket-test.html'])

/** Methods that change state; each needs AUTH_KEY, and is refused while AUTH_KEY is unset. */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export function writesDisabled(method: string, path: string): string {
  return `Writes are disabled: set AUTH_KEY and send Authorization: Bearer <AUTH_KEY> to ${method} ${path} (reads stay open while AUTH_KEY is unset)`
}

/**
 * Keys `/info` takes: AUTH_KEY, and the bridge password too, since the SDK's getInfo() sends the
 * only secret it has, the bridge password, as its Bearer. `/info` is read-only; the password
 * opens nothing else. With no AUTH_KEY, `/info` stays open as before.
 */
function infoKeys(config: HttpDeps['config']): readonly string[] {
  if (config.AUTH_KEY.length === 0) return []
  const bridgePassword = config.WEBSOCKET_BRIDGE ? config.WEBSOCKET_BRIDGE_AUTH : ''
  return bridgePassword === '' ? config.AUTH_KEY : [...config.AUTH_KEY, bridgePassword]
}

/**
 * The REST API. Extra routers (SSE, bridge, dashboard) are mounted by the composition root
 * through `extra`, so this file stays the one place that lists what is guarded.
 */
export function createHttpApp(deps: HttpDeps, extra: Array<ReturnType<typeof createRouter>> = []) {
  const app = createRouter({ getPath: routePath })
  app.onError(errorHandler(deps.log))
  app.notFound(notFound)
  // Telemetry first, so request spans and 5xx reports cover every route, guarded or not.
  for (const mw of deps.middleware ?? []) app.use('*', mw)

  // CORS before any key check: preflights carry no key, and refusals must be readable cross-origin.
  const cors = corsMiddleware(deps.config.CORS_ORIGINS)
  if (cors) app.use('*', cors)

  // Before the key check: a client with a good key and one without both learn to come back later.
  if (deps.readiness) app.use('*', untilReady(deps.readiness))
  const guard = requireKey(deps.config.AUTH_KEY, 'AUTH_KEY', deps.authFailures)
  const infoGuard = requireKey(infoKeys(deps.config), 'AUTH_KEY or WEBSOCKET_BRIDGE_AUTH', deps.authFailures)
  app.use('*', async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return next()
    // Reads stay open without AUTH_KEY, as in the LAPLACE fetcher; writes never are.
    if (WRITE_METHODS.has(c.req.method) && deps.config.AUTH_KEY.length === 0) throw new ApiError(403, writesDisabled(c.req.method, c.req.path))
    return (c.req.path === '/info' ? infoGuard : guard)(c, next)
  })

  app.route('/', pingRoutes(deps))
  app.route('/', infoRoutes(deps))
  app.route('/', roomsRoutes(deps))
  app.route('/', messagesRoutes(deps))
  app.route('/', exportRoutes(deps))
  // Before /events/{room}, which would take `search` for a room.
  app.route('/', searchRoutes(deps))
  app.route('/', statsRoutes(deps))
  app.route('/', dashboardRoutes())
  app.route('/', eventsRoutes(deps))
  app.route('/', uploadRoutes(deps))
  for (const router of extra) app.route('/', router)

  mountDocs(app, {
    title: 'lef',
    version: deps.version,
    description: 'Live event fetcher: LaplaceEvents from Bilibili, Douyin and TikTok',
    guard: { isOpen: (path) => OPEN_PATHS.has(path), ownKey: { '/upload': SCHEMES.upload } },
  })
  return app
}

export type HttpApp = ReturnType<typeof createHttpApp>
