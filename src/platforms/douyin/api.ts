import type { Logger } from 'pino'
import { ConnectorError } from '../connector'
import { requestSignal } from '../http/request-timeout'
import type { DouyinRoom } from './room'
import { parseRoomEnter, roomEnterUrl } from './room-enter'
import { parseRoomPage } from './room-page'
import { buildCookieHeader, cookieFromSetCookie, type TtwidJar } from './ttwid'

/** What the HTTP side of the connector needs; all injectable for tests. */
export interface DouyinApiDeps {
  webBase: string
  userAgent: string
  fetch: typeof fetch
  ttwid: TtwidJar
  /** A logged-in cookie string (DOUYIN_COOKIE), optional. */
  cookie?: string
  random?: () => number
}

/** A hung request must not hold a session in "resolving" forever. */
const HTTP_TIMEOUT_MS = 15_000

const MS_TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A random msToken: the web SDK sends one; the value is not checked for anonymous reads. */
export function randomMsToken(random: () => number = Math.random, length = 107): string {
  let out = ''
  for (let i = 0; i < length; i++) out += MS_TOKEN_CHARS[Math.floor(random() * MS_TOKEN_CHARS.length)]
  return out
}

async function getText(deps: DouyinApiDeps, url: string, cookie: string, referer: string, signal?: AbortSignal): Promise<Response> {
  try {
    const res = await deps.fetch(url, {
      headers: { 'user-agent': deps.userAgent, cookie, referer, accept: '*/*', 'accept-language': 'zh-CN,zh;q=0.9' },
      signal: requestSignal(signal, HTTP_TIMEOUT_MS),
    })
    deps.ttwid.absorb(res.headers)
    return res
  } catch (err) {
    if (signal?.aborted) throw err
    throw new ConnectorError('NETWORK', `GET ${new URL(url).pathname} failed: ${(err as Error).message}`, undefined, { cause: err })
  }
}

/** Risk control answers (444 / 403 / 401) are not a missing room: back off and retry later. */
function checkBlocked(res: Response, what: string): void {
  if (res.status === 444 || res.status === 403 || res.status === 401) {
    throw new ConnectorError('RISK_CONTROL', `${what} answered HTTP ${res.status} (risk control; try a logged-in cookie, fewer rooms per IP or a proxy)`)
  }
  if (res.status === 429) throw new ConnectorError('RATE_LIMITED', `${what} answered 429`)
}

/** Room-enter API first; the room page when it gives nothing usable. */
export async function resolveRoom(webRid: string, deps: DouyinApiDeps, log: Logger, signal?: AbortSignal): Promise<DouyinRoom> {
  const ttwid = await deps.ttwid.get(log, signal)
  const msToken = randomMsToken(deps.random)
  const referer = `${deps.webBase}/${webRid}`
  const enter = await getText(deps, roomEnterUrl(deps.webBase, webRid, deps.userAgent, msToken), buildCookieHeader(ttwid, deps.cookie, { msToken }), referer, signal)
  checkBlocked(enter, 'room-enter API')
  const body = await enter.text()
  let room: DouyinRoom | null = null
  if (enter.ok && body.trim() !== '') {
    try {
      room = parseRoomEnter(JSON.parse(body), webRid)
    } catch {
      room = null
    }
  }
  if (room) return room
  log.debug({ status: enter.status, bytes: body.length }, 'douyin: room-enter API gave nothing usable, reading the room page')
  return resolveFromPage(webRid, deps, ttwid, log, signal)
}

async function resolveFromPage(webRid: string, deps: DouyinApiDeps, ttwid: string, log: Logger, signal?: AbortSignal): Promise<DouyinRoom> {
  const url = `${deps.webBase}/${webRid}`
  let extra: Record<string, string> = {}
  // live.douyin.com answers the first hit with an __ac_nonce cookie and the real page on the second.
  for (let attempt = 0; attempt < 2; attempt++) {
    const res = await getText(deps, url, buildCookieHeader(ttwid, deps.cookie, extra), `${deps.webBase}/`, signal)
    checkBlocked(res, 'room page')
    if (res.status === 404) throw new ConnectorError('NOT_FOUND', `douyin room ${webRid} does not exist (HTTP 404)`)
    const html = await res.text()
    const room = parseRoomPage(html, webRid)
    if (room) return room
    const nonce = cookieFromSetCookie(res.headers, '__ac_nonce')
    if (!nonce || attempt > 0) break
    extra = { __ac_nonce: nonce }
  }
  log.warn({ webRid }, 'douyin: neither the room-enter API nor the room page gave the room state')
  throw new ConnectorError('UPSTREAM', `could not resolve douyin room ${webRid}: no room state in the API answer or the page`)
}
