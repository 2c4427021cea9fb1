import { createRoute, z } from '@hono/zod-openapi'
import { FilterError, parseStreamFilter } from '../../fanout/stream-filter'
import { searchEvents, UnknownCursorError } from '../../store/event-search'
import { ApiError } from '../api-error'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { resolveRoomParam } from '../room-param'
import { envelopeOf, errorResponse } from '../schemas'

const MAX_LIMIT = 500

const route = createRoute({
  method: 'get',
  path: '/events/search',
  summary: 'Search stored events (every node\'s), newest first, by room, type, user and text',
  request: {
    query: z.object({
      room: z.string().max(100).optional().openapi({ description: 'Any ROOMS form', example: '25034104' }),
      types: z.string().max(2000).optional().openapi({ description: 'Comma list of event types', example: 'gift,superchat' }),
      user: z.string().trim().min(1).max(100).optional().openapi({ description: 'A uid (exact) or part of a username' }),
      text: z.string().trim().min(1).max(200).optional().openapi({ description: 'Part of the message text' }),
      before: z.coerce.number().int().nonnegative().optional().openapi({ description: 'Only events before this time (ms)' }),
      beforeId: z.string().min(1).max(200).optional().openapi({ description: 'The next page: pass the last result\'s id; events after it in this order (none skipped when several share its time)' }),
      limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
    }),
  },
  responses: {
    200: { description: 'Matching events', content: { 'application/json': { schema: envelopeOf(z.array(z.looseObject({ type: z.string(), id: z.string() }))) } } },
    400: errorResponse('Unknown room form or event type, a beforeId that is not a stored event, or a bad query value'),
    401: errorResponse('AUTH_KEY is set and the request has no or a wrong key'),
  },
})

export function searchRoutes(deps: Pick<HttpDeps, 'database' | 'rooms'>) {
  return createRouter().openapi(route, async (c) => {
    const q = c.req.valid('query')
    let filter
    try {
      filter = parseStreamFilter({ rooms: q.room, types: q.types }, (r) => resolveRoomParam(r, deps.rooms))
    } catch (err) {
      if (err instanceof FilterError) throw new ApiError(400, err.message)
      throw err
    }
    if ((filter.rooms?.length ?? 0) > 1) throw new ApiError(400, 'room takes one room')
    try {
      const events = await searchEvents(deps.database.db, { room: filter.rooms?.[0], types: filter.types, user: q.user, text: q.text, before: q.before, beforeId: q.beforeId, limit: q.limit })
      return ok(c, events)
    } catch (err) {
      if (err instanceof UnknownCursorError) throw new ApiError(400, err.message)
      throw err
    }
  })
}
