import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { describeDbError } from '../../store/errors'
import { presentedKey, refuse, verifyKey } from '../auth'
import { clientAddress } from '../auth-fail-limit'
import type { HttpDeps } from '../deps'
import { fail, ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse } from '../schemas'

const pingData = z.object({
  message: z.literal('pong'),
  status: z.enum(['healthy', 'degraded']).openapi({ description: '`degraded`: the node works (database reachable) but Redis does not answer, so events of other nodes are not relayed' }),
  database: z.enum(['postgres', 'pglite']).optional().openapi({ description: 'With a valid AUTH_KEY only' }),
  redis: z.string().optional().openapi({ description: 'With a valid AUTH_KEY only: `ok`, `not configured`, or `unreachable: <cause>`' }),
})

const route = createRoute({
  method: 'get',
  path: '/ping',
  summary: 'Health check: really queries the database (and Redis when configured)',
  description:
    'Without a key: only healthy, degraded or unhealthy. With a valid AUTH_KEY (Bearer or ?token=): the database kind, Redis state and causes. ' +
    'Redis alone down is `degraded` with 200: the node still stores and serves its own events.',
  responses: {
    200: { description: 'Healthy or degraded', content: { 'application/json': { schema: envelopeOf(pingData) } } },
    401: errorResponse('A key was sent and it is wrong'),
    429: errorResponse('Too many wrong keys from this address (AUTH_FAIL_LIMIT); Retry-After is set'),
    500: errorResponse('The database does not answer (with a key: the cause)'),
    503: errorResponse('Still starting (with a key: the cause and the next attempt); Retry-After is set'),
  },
})

type PingDeps = Pick<HttpDeps, 'database' | 'redis' | 'log' | 'readiness' | 'config' | 'authFailures'>

export function pingRoutes(deps: PingDeps) {
  return createRouter().openapi(route, async (c) => {
    // Details (hosts, causes) only for an AUTH_KEY holder: the probe and the public get a verdict.
    const access = detailsAccess(c, deps)
    if (typeof access === 'object') return access.response as never
    const details = access === 'granted'
    if (deps.readiness && !deps.readiness.ready) {
      c.header('Retry-After', String(deps.readiness.retryAfterSeconds()))
      return fail(c, 503, details ? deps.readiness.describe() : 'starting')
    }
    try {
      await deps.database.ping(3000)
    } catch (err) {
      deps.log.warn({ err: describeDbError(err) }, 'ping: database check failed')
      return fail(c, 500, details ? `database unreachable: ${describeDbError(err)}` : 'unhealthy')
    }
    const redis = deps.redis ? await redisState(deps.redis) : 'not configured'
    const status = redis === 'ok' || redis === 'not configured' ? ('healthy' as const) : ('degraded' as const)
    if (!details) return ok(c, { message: 'pong' as const, status })
    return ok(c, { message: 'pong' as const, status, database: deps.database.kind, redis })
  })
}

/** Whether this request may see details: no key = a verdict only; a wrong key is refused (and counted). */
function detailsAccess(c: Context, deps: PingDeps): 'granted' | 'summary' | { response: Response } {
  const presented = presentedKey(c.req.raw)
  if (presented === undefined || deps.config.AUTH_KEY.length === 0) return 'summary'
  const guard = deps.authFailures ? { limiter: deps.authFailures, address: clientAddress(c.req.raw, c.env) } : undefined
  const verdict = verifyKey(presented, deps.config.AUTH_KEY, 'AUTH_KEY', guard)
  return verdict.ok ? 'granted' : { response: refuse(c, verdict) }
}

async function redisState(redis: NonNullable<HttpDeps['redis']>): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([redis.ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out after 3 s')), 3000)))])
    return 'ok'
  } catch (err) {
    return `unreachable: ${(err as Error).message}`
  } finally {
    clearTimeout(timer)
  }
}
