import { createRoute, z } from '@hono/zod-openapi'
import { formatRoomKey, parseRoomKey, RoomFormError, type RoomKey } from '../../events'
import { ApiError } from '../api-error'
import type { HttpDeps } from '../deps'
import { fail, ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse, writesDisabledResponse } from '../schemas'

const roomSchema = z
  .object({
    id: z.string().openapi({ example: 'douyin:646454278948' }),
    platform: z.enum(['bilibili', 'douyin', 'tiktok']),
    key: z.string(),
    label: z.string().nullable(),
    enabled: z.boolean(),
    onDemand: z.boolean().openapi({ description: 'Started for a client (ON_DEMAND_ROOMS); removed when its clients are gone' }),
    addedAt: z.number(),
    updatedAt: z.number(),
    holder: z.string().nullable().openapi({ description: 'Node id holding the room\'s lease (the node that connects it)' }),
    leaseExpiresAt: z.number().nullable(),
    connection: z.string().openapi({ description: 'resolving, signing, connecting, connected, offline, backoff, … or disabled / unassigned' }),
    here: z.boolean().openapi({ description: 'This node connects the room' }),
    status: z
      .looseObject({ state: z.string(), lastEventAt: z.number().nullable(), events: z.number(), reconnects: z.number() })
      .nullable()
      .openapi({ description: 'The holder\'s supervisor status (live on the holder, a snapshot elsewhere)' }),
  })
  .openapi('Room')

const roomParam = z.object({
  room: z.string().openapi({ description: 'Any ROOMS form: 123, bilibili:123, douyin:WEB_RID, tiktok:@user', example: 'douyin:646454278948' }),
})

const label = z.string().trim().max(200).nullable()

const createBody = z.object({
  room: z.string().min(1).max(100).openapi({ description: 'Any ROOMS form', example: 'tiktok:@someone' }),
  label: label.optional(),
  enabled: z.boolean().optional().openapi({ description: 'Default true' }),
})

const patchBody = z
  .object({ label: label.optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.label !== undefined || b.enabled !== undefined, 'give label and/or enabled')

const unauthorized = errorResponse('AUTH_KEY is set and the request has no or a wrong key')
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } })

const listRoute = createRoute({
  method: 'get',
  path: '/rooms',
  summary: 'Every room in the database with its lease and connection state',
  responses: { 200: { description: 'Rooms', ...json(envelopeOf(z.array(roomSchema))) }, 401: unauthorized },
})

const getRoute = createRoute({
  method: 'get',
  path: '/rooms/{room}',
  summary: 'One room',
  request: { params: roomParam },
  responses: { 200: { description: 'The room', ...json(envelopeOf(roomSchema)) }, 400: errorResponse('Unknown room form'), 401: unauthorized, 404: errorResponse('No such room') },
})

const createRoomRoute = createRoute({
  method: 'post',
  path: '/rooms',
  summary: 'Add a room; this node starts connecting it at once',
  request: { body: { required: true, ...json(createBody) } },
  responses: {
    201: { description: 'Added', ...json(envelopeOf(roomSchema)) },
    400: errorResponse('Invalid body or room form'),
    401: unauthorized, 403: writesDisabledResponse,
    409: errorResponse('The room already exists (PATCH it instead)'),
  },
})

const patchRoute = createRoute({
  method: 'patch',
  path: '/rooms/{room}',
  summary: 'Rename, enable or disable a room (disabling stops its connection; start-up seeding never re-enables it)',
  request: { params: roomParam, body: { required: true, ...json(patchBody) } },
  responses: { 200: { description: 'Updated', ...json(envelopeOf(roomSchema)) }, 400: errorResponse('Invalid body or room form'), 401: unauthorized, 403: writesDisabledResponse, 404: errorResponse('No such room') },
})

const deleteRoute = createRoute({
  method: 'delete',
  path: '/rooms/{room}',
  summary: 'Remove a room and stop its connection (stored events stay). A room still in ROOMS comes back at the next start: disable it instead.',
  request: { params: roomParam },
  responses: {
    200: { description: 'Removed', ...json(envelopeOf(z.object({ id: z.string(), deleted: z.literal(true) }))) },
    400: errorResponse('Unknown room form'),
    401: unauthorized, 403: writesDisabledResponse,
    404: errorResponse('No such room'),
  },
})

/** A room as a URL or body names it, parsed with the ROOMS rules (a 400 names the problem). */
export function parseRoomInput(input: string): RoomKey {
  try {
    return parseRoomKey(decodeURIComponent(input))
  } catch (err) {
    if (err instanceof RoomFormError || err instanceof URIError) throw new ApiError(400, `Unknown room form: ${err.message}`)
    throw err
  }
}

export function roomsRoutes(deps: Pick<HttpDeps, 'operator'>) {
  const registry = () => {
    if (!deps.operator) throw new ApiError(503, 'Room management is not available on this node')
    return deps.operator.registry
  }
  return createRouter()
    .openapi(listRoute, async (c) => ok(c, (await registry().list())))
    .openapi(getRoute, async (c) => {
      const room = parseRoomInput(c.req.valid('param').room)
      const view = await registry().get(room)
      if (!view) throw new ApiError(404, `No room ${formatRoomKey(room)}`)
      return ok(c, view)
    })
    .openapi(createRoomRoute, async (c) => {
      const body = c.req.valid('json')
      const room = parseRoomInput(body.room)
      const { created, room: view } = await registry().add(room, { label: body.label ?? null, enabled: body.enabled })
      if (!created) return fail(c, 409, `Room ${formatRoomKey(room)} already exists: PATCH /rooms/${formatRoomKey(room)} to change it`)
      return c.json({ success: true as const, status: 201, data: view }, 201)
    })
    .openapi(patchRoute, async (c) => {
      const room = parseRoomInput(c.req.valid('param').room)
      const view = await registry().update(room, c.req.valid('json'))
      if (!view) throw new ApiError(404, `No room ${formatRoomKey(room)}: POST /rooms to add it`)
      return ok(c, view)
    })
    .openapi(deleteRoute, async (c) => {
      const room = parseRoomInput(c.req.valid('param').room)
      if (!(await registry().remove(room))) throw new ApiError(404, `No room ${formatRoomKey(room)}`)
      return ok(c, { id: formatRoomKey(room), deleted: true as const })
    })
}
