import { createRoute, z } from '@hono/zod-openapi'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { resolveRoomParam } from '../room-param'
import { envelopeOf, errorResponse } from '../schemas'

const MAX_LIMIT = 50_000

const flag = z
  .enum(['1', '0', 'true', 'false'])
  .optional()
  .transform((v) => v === '1' || v === 'true')

const route = createRoute({
  method: 'get',
  path: '/events/{room}',
  summary: 'Stored events of one room, oldest first: paid events by default, every type with ?full=1',
  request: {
    params: z.object({
      room: z.string().openapi({ description: 'Any ROOMS form: 123, bilibili:123, douyin:WEB_RID, tiktok:@user', example: '456117' }),
    }),
    query: z.object({
      full: flag.openapi({ description: '1 = every event type, not only paid ones' }),
      since: z.coerce.number().int().nonnegative().optional().openapi({ description: 'Only events at or after this time (ms since epoch)' }),
      limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional().openapi({ description: `At most this many events (default and max ${MAX_LIMIT})` }),
    }),
  },
  responses: {
    200: { description: 'Events (LaplaceEvent objects with platform and room)', content: { 'application/json': { schema: envelopeOf(z.array(z.looseObject({ type: z.string(), id: z.string() }))) } } },
    400: errorResponse('Unknown room form or bad query'),
    401: errorResponse('AUTH_KEY is set and the request has no or a wrong key'),
  },
})

export function eventsRoutes(deps: Pick<HttpDeps, 'store' | 'rooms' | 'config'>) {
  return createRouter().openapi(route, async (c) => {
    const { room: roomParam } = c.req.valid('param')
    const q = c.req.valid('query')
    const { platform, room } = resolveRoomParam(roomParam, deps.rooms)
    const keepFrom = Date.now() - deps.config.EVENTS_KEEP * 3_600_000
    const events = await deps.store.list({
      platform,
      room,
      paidOnly: !q.full,
      since: Math.max(q.since ?? 0, keepFrom),
      limit: q.limit ?? MAX_LIMIT,
    })
    return ok(c, events)
  })
}
