import { createRoute, z } from '@hono/zod-openapi'
import type { Server } from 'bun'
import { FilterError, parseStreamFilter } from '../../fanout/stream-filter'
import { EVENT_TYPES } from '../../events'
import { ApiError } from '../api-error'
import type { HttpDeps } from '../deps'
import { createRouter } from '../openapi'
import { resolveRoomParam } from '../room-param'
import { errorResponse } from '../schemas'
import type { SseService } from './sse-service'

const route = createRoute({
  method: 'get',
  path: '/sse',
  summary: 'Server-Sent Events: live LaplaceEvents, resumable with Last-Event-ID',
  description:
    'Each event is `event: <type>`, `id: <event id>`, `data: <LaplaceEvent JSON>`. A `Last-Event-ID` header (or `?lastEventId=`) replays stored events after that id, then continues live with no gap and no duplicate. ' +
    'A `: keep-alive` comment is sent every SSE_KEEPALIVE ms. lef\'s own notices (e.g. an unknown resume id) come as `event: lef-error`.',
  request: {
    query: z.object({
      rooms: z.string().optional().openapi({ description: 'Comma list of rooms in any ROOMS form', example: '456117,douyin:646454278948' }),
      types: z.string().optional().openapi({ description: `Comma list of event types (${EVENT_TYPES.slice(0, 5).join(', ')}, …)`, example: 'gift,superchat' }),
      lastEventId: z.string().max(512).optional().openapi({ description: 'Same as the Last-Event-ID header (for clients that cannot set headers)' }),
    }),
  },
  responses: {
    200: { description: 'An endless text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
    400: errorResponse('Unknown room form or event type'),
    401: errorResponse('AUTH_KEY is set and the request has no or a wrong key'),
  },
})

export function sseRoutes(deps: Pick<HttpDeps, 'rooms'>, sse: SseService) {
  return createRouter().openapi(route, (c) => {
    const q = c.req.valid('query')
    let filter
    try {
      filter = parseStreamFilter(q, (r) => resolveRoomParam(r, deps.rooms))
    } catch (err) {
      if (err instanceof FilterError) throw new ApiError(400, err.message)
      throw err
    }
    const header = c.req.header('last-event-id')?.trim()
    const lastEventId = header || q.lastEventId?.trim() || undefined
    // Bun's idle timeout (10 s) would end a quiet stream between keep-alives; the server is
    // Hono's env when app.ts passes it through.
    const server = c.env as Server<unknown> | undefined
    const req = c.req.raw
    server?.timeout?.(req, 0)
    const { response } = sse.connect({ filter, lastEventId, dropSocket: () => server?.timeout?.(req, 1) })
    return response as never
  })
}
