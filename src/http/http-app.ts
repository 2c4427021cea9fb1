import { requireKey } from './auth'
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
import { messagesRoutes } from './routes/messages'
import { roomsRoutes } from './routes/rooms'
import { searchRoutes } from './routes/search'
import { statsRoutes } from './routes/stats'
import { uploadRoutes } from './routes/upload'

/**
 * Paths AUTH_KEY does not guard: the health check, uploads (UPLOAD_KEY guards them), API docs,
 * and the bridge test page (it holds no data; the user types the token into it).
 */
const OPEN_PATHS = new Set<string>(['/ping', '/upload', ...DOCS_PATHS, '/websocket-test.html'])

/**
 * The REST API. Extra routers (SSE, bridge, dashboard) are mounted by the composition root
 * through `extra`, so this file stays the one place that lists what is guarded.
 */
export function createHttpApp(deps: HttpDeps, extra: Array<ReturnType<typeof createRouter>> = []) {
  const app = createRouter()
  app.onError(errorHandler(deps.log))
  app.notFound(notFound)
  // Telemetry first, so request spans and 5xx reports cover every route, guarded or not.
  for (const mw of deps.middleware ?? []) app.use('*', mw)

  const guard = requireKey(deps.config.AUTH_KEY, 'AUTH_KEY')
  app.use('*', async (c, next) => (OPEN_PATHS.has(c.req.path) ? next() : guard(c, next)))

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
