import { createRoute, z } from '@hono/zod-openapi'
import { roomOrigin } from '../../events'
import type { RoomView } from '../../rooms/room-registry'
import type { RoomStatus } from '../../rooms/room-status'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse } from '../schemas'

/** `FetcherRoom` of @laplace.live/event-bridge-sdk, plus lef's own fields after it. */
const fetcherRoom = z.object({
  status: z.number().int().openapi({ description: '0 when the room resolved, otherwise an error code (e.g. 404)' }),
  uid: z.number(),
  roomId: z.number().openapi({ description: 'Matches `origin` on events: the room id where it is a safe integer, else a stable number derived from `platform:room`' }),
  shortRoomId: z.number(),
  username: z.string().nullable(),
  platform: z.enum(['bilibili', 'douyin', 'tiktok']),
  room: z.string().openapi({ description: 'The stable room key events carry in `room`' }),
  state: z.string(),
  live: z.boolean().nullable(),
  lastEventAt: z.number().nullable(),
  reconnects: z.number().int(),
  error: z.string().nullable(),
})

const fetcherInfo = z.object({
  version: z.string(),
  uptime: z.string(),
  connectedAt: z.number(),
  websocketBridge: z.boolean(),
  websocketClients: z.number().int(),
  rooms: z.array(fetcherRoom).openapi({ description: 'Every room of the rooms table, by when it was added (then id); an event\'s `originIdx` is its room\'s index here' }),
})

const route = createRoute({
  method: 'get',
  path: '/info',
  summary: 'Fetcher info in the FetcherInfo shape that event-bridge-sdk fetchInfo() reads',
  responses: {
    200: { description: 'Info', content: { 'application/json': { schema: envelopeOf(fetcherInfo) } } },
    401: errorResponse('AUTH_KEY is set and the request has neither an AUTH_KEY nor the bridge password (WEBSOCKET_BRIDGE_AUTH, which opens /info only)'),
  },
})

const safeInt = (s: string | undefined): number => {
  const n = s === undefined ? Number.NaN : Number(s)
  return Number.isSafeInteger(n) ? n : 0
}

/** "3 minutes ago"-style text, as the LAPLACE fetcher reports its uptime. */
export function humanUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const units: Array<[number, string]> = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']]
  for (const [size, name] of units) {
    if (s >= size) {
      const n = Math.floor(s / size)
      return `${n} ${name}${n === 1 ? '' : 's'} ago`
    }
  }
  return 'just now'
}

/** `state` replaces the status's own: a room of the table shows its fleet-wide connection (disabled, unassigned, …). */
export function toFetcherRoom(r: RoomStatus, state: string = r.state): z.infer<typeof fetcherRoom> {
  // Events carry `room`: the Bilibili long id once resolved, else the key as configured.
  const room = r.platform === 'bilibili' ? (r.info.roomId ?? r.key) : r.key
  return {
    status: r.lastError?.code === 'NOT_FOUND' ? 404 : 0,
    uid: safeInt(r.info.uid),
    // LAPLACE matches events on origin; the connectors derive it the same way.
    roomId: roomOrigin(r.platform, room),
    shortRoomId: r.info.shortRoomId ?? 0,
    username: r.info.username ?? null,
    platform: r.platform,
    room,
    state,
    live: r.info.live ?? null,
    lastEventAt: r.lastEventAt,
    reconnects: r.reconnects,
    error: r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : null,
  }
}

function viewToFetcherRoom(v: RoomView): z.infer<typeof fetcherRoom> {
  const status: RoomStatus = v.status ?? {
    platform: v.platform, key: v.key, state: 'idle', info: {}, lastError: null, connectedAt: null, lastEventAt: null, events: 0, reconnects: 0,
  }
  return toFetcherRoom(status, v.connection)
}

/**
 * The rooms in `/info`: every row of the rooms table in its order (the same on every node, and
 * the order RoomOrder gives events' `originIdx`); nodes built without the table list their own.
 */
async function listRooms(deps: Pick<HttpDeps, 'rooms' | 'operator' | 'readiness'>): Promise<Array<z.infer<typeof fetcherRoom>>> {
  const registry = deps.operator?.registry
  // While lef still waits for its database, /info answers from memory rather than waiting too.
  if (registry && (deps.readiness?.ready ?? true)) return (await registry.list()).map(viewToFetcherRoom)
  return deps.rooms.list().map((r) => toFetcherRoom(r))
}

export function infoRoutes(deps: Pick<HttpDeps, 'rooms' | 'operator' | 'readiness' | 'version' | 'startedAt' | 'config' | 'bridgeClients'>) {
  return createRouter().openapi(route, async (c) => {
    c.header('Cache-Control', 'private, max-age=10')
    // A browser must not answer one credential's request with another's cached copy.
    c.header('Vary', 'Authorization', { append: true })
    return ok(c, {
      version: deps.version,
      uptime: humanUptime(Date.now() - deps.startedAt),
      connectedAt: deps.startedAt,
      websocketBridge: deps.config.WEBSOCKET_BRIDGE,
      websocketClients: deps.bridgeClients(),
      rooms: await listRooms(deps),
    })
  })
}
