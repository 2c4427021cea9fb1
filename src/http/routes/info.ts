import { createRoute, z } from '@hono/zod-openapi'
import type { RoomStatus } from '../../rooms/room-status'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse } from '../schemas'

/** `FetcherRoom` of @laplace.live/event-bridge-sdk, plus lef's own fields after it. */
const fetcherRoom = z.object({
  status: z.number().int().openapi({ description: '0 when the room resolved, otherwise an error code (e.g. 404)' }),
  uid: z.number(),
  roomId: z.number().openapi({ description: 'Matches `origin` on events' }),
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
  rooms: z.array(fetcherRoom),
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

export function toFetcherRoom(r: RoomStatus): z.infer<typeof fetcherRoom> {
  const roomKey = r.info.roomId ?? r.key
  return {
    status: r.lastError?.code === 'NOT_FOUND' ? 404 : 0,
    uid: safeInt(r.info.uid),
    // LAPLACE matches events on origin: Bilibili long id, Douyin web_rid, 0 for TikTok.
    roomId: r.platform === 'tiktok' ? 0 : safeInt(r.platform === 'douyin' ? r.key : roomKey),
    shortRoomId: r.info.shortRoomId ?? 0,
    username: r.info.username ?? null,
    platform: r.platform,
    room: r.platform === 'bilibili' ? roomKey : r.key,
    state: r.state,
    live: r.info.live ?? null,
    lastEventAt: r.lastEventAt,
    reconnects: r.reconnects,
    error: r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : null,
  }
}

export function infoRoutes(deps: Pick<HttpDeps, 'rooms' | 'version' | 'startedAt' | 'config' | 'bridgeClients'>) {
  return createRouter().openapi(route, (c) => {
    c.header('Cache-Control', 'private, max-age=10')
    return ok(c, {
      version: deps.version,
      uptime: humanUptime(Date.now() - deps.startedAt),
      connectedAt: deps.startedAt,
      websocketBridge: deps.config.WEBSOCKET_BRIDGE,
      websocketClients: deps.bridgeClients(),
      rooms: deps.rooms.list().map(toFetcherRoom),
    })
  })
}
