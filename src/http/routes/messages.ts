import { createRoute, z } from '@hono/zod-openapi'
import { formatRoomKey } from '../../events'
import { operatorMessage } from '../../rooms/operator-message'
import { ApiError } from '../api-error'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { resolveRoomParam } from '../room-param'
import { envelopeOf, errorResponse, writesDisabledResponse } from '../schemas'
import { parseRoomInput } from './rooms'

const route = createRoute({
  method: 'post',
  path: '/rooms/{room}/messages',
  summary: 'Inject a `system` event into a room\'s stream (bridge, SSE and storage), as a connector would',
  request: {
    params: z.object({ room: z.string().openapi({ description: 'Any ROOMS form', example: '25034104' }) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            message: z.string().trim().min(1).max(2000).openapi({ example: 'Stream starts in 5 minutes' }),
            username: z.string().trim().min(1).max(64).optional().openapi({ description: 'Shown as the sender (default "lef")' }),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'Published', content: { 'application/json': { schema: envelopeOf(z.looseObject({ type: z.literal('system'), id: z.string() })) } } },
    400: errorResponse('Invalid body or room form'),
    401: errorResponse('AUTH_KEY is set and the request has no or a wrong key'),
    403: writesDisabledResponse,
    404: errorResponse('The room is not in the rooms table'),
  },
})

/** The room's index in /info's list (the rooms table's order); 0 on nodes without the table. */
async function roomIndex(deps: Pick<HttpDeps, 'operator'>, id: string): Promise<number> {
  const rooms = (await deps.operator?.registry.list()) ?? []
  return Math.max(0, rooms.findIndex((r) => r.id === id))
}

export function messagesRoutes(deps: Pick<HttpDeps, 'operator' | 'rooms' | 'bus' | 'log'>) {
  return createRouter().openapi(route, async (c) => {
    const param = c.req.valid('param').room
    const key = parseRoomInput(param)
    // A typo must not vanish into a stream nobody reads: only rooms lef knows take messages.
    const known = (await deps.operator?.registry.get(key)) ?? deps.rooms.list().find((r) => r.platform === key.platform && r.key === key.key)
    if (!known) throw new ApiError(404, `No room ${formatRoomKey(key)}: POST /rooms to add it first`)
    const body = c.req.valid('json')
    const event = operatorMessage(resolveRoomParam(param, deps.rooms), body.message, body.username ?? 'lef', Date.now(), await roomIndex(deps, formatRoomKey(key)))
    deps.bus.publish(event)
    deps.log.info({ room: formatRoomKey(key), id: event.id }, 'operator message published')
    return ok(c, event)
  })
}
