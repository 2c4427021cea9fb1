import type { Logger } from 'pino'
import { z } from 'zod'
import { ConnectorError } from '../connector'
import { networkError } from './http-errors'
import { parseLivePage, roomUserInfoSchema, toResolvedRoom, type ResolvedRoom } from './live-page'
import { ROOM_STATUS_OFFLINE, STATUS_USER_NOT_FOUND, WEB_AID } from './protocol'

export type { ResolvedRoom }

export interface RoomResolverDeps {
  /** e.g. https://www.tiktok.com (no trailing slash needed). */
  webBase: string
  userAgent: string
  fetch: typeof fetch
}

export interface RoomStatus extends ResolvedRoom {
  live: boolean
}

const userRoomApiSchema = z.object({
  statusCode: z.number().optional(),
  status_code: z.number().optional(),
  message: z.string().optional(),
  data: roomUserInfoSchema.optional().nullable(),
})

/** A room is live when it has an id and TikTok doesn't mark it ended. */
export function isLive(room: ResolvedRoom): boolean {
  return room.roomId !== '' && room.roomId !== '0' && room.status !== ROOM_STATUS_OFFLINE
}

/**
 * `@uniqueId` → room id and live status: the live page's embedded state first, then the user
 * room API (docs §1.2). Throws ConnectorError: NOT_FOUND (unknown handle), RISK_CONTROL
 * (captcha / region block / 403), RATE_LIMITED, NETWORK, UPSTREAM. An offline user is not an
 * error: `live` is false.
 */
export async function resolveRoom(uniqueId: string, deps: RoomResolverDeps, signal: AbortSignal, log: Logger): Promise<RoomStatus> {
  const base = deps.webBase.replace(/\/+$/, '')
  const headers = { 'user-agent': deps.userAgent, 'accept-language': 'en-US,en;q=0.9' }
  let pageBlocked = false

  try {
    const res = await deps.fetch(`${base}/@${encodeURIComponent(uniqueId)}/live`, { headers, signal })
    if (res.status === 403) pageBlocked = true
    else if (res.ok) {
      const page = parseLivePage(await res.text())
      if (page.kind === 'room') return withLive(page.room)
      pageBlocked = page.blocked
    }
    log.debug({ status: res.status, blocked: pageBlocked }, 'tiktok live page gave no room state; asking the user room API')
  } catch (err) {
    if (signal.aborted) throw err
    log.debug({ err: (err as Error).message }, 'tiktok live page failed; asking the user room API')
  }

  const url = new URL(`${base}/api-live/user/room/`)
  url.searchParams.set('aid', WEB_AID)
  url.searchParams.set('uniqueId', uniqueId)
  url.searchParams.set('sourceType', '54')
  let res: Response
  try {
    res = await deps.fetch(url, { headers: { ...headers, accept: 'application/json' }, signal })
  } catch (err) {
    throw networkError('tiktok user room API unreachable', err)
  }
  if (res.status === 403) throw new ConnectorError('RISK_CONTROL', `tiktok refused the room lookup of @${uniqueId} (HTTP 403: captcha or region block)`)
  if (res.status === 429) throw new ConnectorError('RATE_LIMITED', `tiktok rate-limited the room lookup of @${uniqueId}`)
  if (!res.ok) throw new ConnectorError('UPSTREAM', `tiktok user room API answered HTTP ${res.status}`)
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // TikTok answers a captcha page instead of JSON when it distrusts the client.
    const code = pageBlocked || /captcha|verify/i.test(text) ? 'RISK_CONTROL' : 'UPSTREAM'
    throw new ConnectorError(code, `tiktok user room API returned no JSON for @${uniqueId}${code === 'RISK_CONTROL' ? ' (captcha / block)' : ''}`)
  }
  const parsed = userRoomApiSchema.safeParse(json)
  if (!parsed.success) throw new ConnectorError('UPSTREAM', 'tiktok user room API: unexpected JSON shape')
  const status = parsed.data.statusCode ?? parsed.data.status_code ?? 0
  if (status === STATUS_USER_NOT_FOUND) throw new ConnectorError('NOT_FOUND', `tiktok user @${uniqueId} does not exist`)
  if (status !== 0) {
    const code = pageBlocked ? 'RISK_CONTROL' : 'UPSTREAM'
    throw new ConnectorError(code, `tiktok user room API statusCode ${status}${parsed.data.message ? ` (${parsed.data.message})` : ''}`)
  }
  if (!parsed.data.data?.user) throw new ConnectorError(pageBlocked ? 'RISK_CONTROL' : 'NOT_FOUND', `tiktok knows no room for @${uniqueId}`)
  return withLive(toResolvedRoom(parsed.data.data))
}

function withLive(room: ResolvedRoom): RoomStatus {
  return { ...room, live: isLive(room) }
}
