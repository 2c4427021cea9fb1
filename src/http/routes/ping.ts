import { createRoute, z } from '@hono/zod-openapi'
import { describeDbError } from '../../store/errors'
import type { HttpDeps } from '../deps'
import { fail, ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse } from '../schemas'

const pingData = z.object({
  message: z.literal('pong'),
  database: z.enum(['postgres', 'pglite']),
  redis: z.enum(['ok', 'not configured']),
})

const route = createRoute({
  method: 'get',
  path: '/ping',
  summary: 'Health check: really queries the database (and Redis when configured)',
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: envelopeOf(pingData) } } },
    500: errorResponse('A dependency failed; the message names it'),
    503: errorResponse('Still starting: the database is not reachable yet; the message names the cause and the next attempt (Retry-After is set)'),
  },
})

export function pingRoutes(deps: Pick<HttpDeps, 'database' | 'redis' | 'log' | 'readiness'>) {
  return createRouter().openapi(route, async (c) => {
    if (deps.readiness && !deps.readiness.ready) {
      c.header('Retry-After', String(deps.readiness.retryAfterSeconds()))
      return fail(c, 503, deps.readiness.describe())
    }
    try {
      await deps.database.ping(3000)
    } catch (err) {
      deps.log.warn({ err: describeDbError(err) }, 'ping: database check failed')
      return fail(c, 500, `database unreachable: ${describeDbError(err)}`)
    }
    if (deps.redis) {
      try {
        await Promise.race([deps.redis.ping(), Bun.sleep(3000).then(() => Promise.reject(new Error('timed out')))])
      } catch (err) {
        return fail(c, 500, `redis unreachable: ${(err as Error).message}`)
      }
    }
    return ok(c, { message: 'pong' as const, database: deps.database.kind, redis: deps.redis ? ('ok' as const) : ('not configured' as const) })
  })
}
