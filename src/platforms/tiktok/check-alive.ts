import { z } from 'zod'
import { ConnectorError } from '../connector'
import { networkError } from './http-errors'
import { WEB_AID } from './protocol'

const checkAliveSchema = z.object({
  status_code: z.number().optional(),
  data: z.array(z.object({ alive: z.boolean(), room_id: z.union([z.string(), z.number()]).optional() })).optional(),
})

/**
 * `GET {webcastBase}/webcast/room/check_alive/?room_ids=` → is this room live? Used when the
 * room lookup gave an id but no status (docs §2). Throws ConnectorError on failure.
 */
export async function checkAlive(webcastBase: string, roomId: string, deps: { fetch: typeof fetch; userAgent: string }, signal: AbortSignal): Promise<boolean> {
  const url = new URL(`${webcastBase.replace(/\/+$/, '')}/webcast/room/check_alive/`)
  url.searchParams.set('aid', WEB_AID)
  url.searchParams.set('room_ids', roomId)
  let res: Response
  try {
    res = await deps.fetch(url, { headers: { 'user-agent': deps.userAgent, accept: 'application/json' }, signal })
  } catch (err) {
    throw networkError('tiktok check_alive unreachable', err)
  }
  if (!res.ok) throw new ConnectorError(res.status === 403 ? 'RISK_CONTROL' : 'UPSTREAM', `tiktok check_alive answered HTTP ${res.status}`)
  let json: unknown
  try {
    json = await res.json()
  } catch {
    throw new ConnectorError('UPSTREAM', 'tiktok check_alive returned no JSON')
  }
  const parsed = checkAliveSchema.safeParse(json)
  if (!parsed.success || (parsed.data.status_code ?? 0) !== 0) throw new ConnectorError('UPSTREAM', 'tiktok check_alive: unexpected answer')
  return parsed.data.data?.[0]?.alive ?? false
}
