import type { Logger } from 'pino'
import type { Pricing, RoomKey } from '../../events'
import { ConnectorError, type Connector, type SessionEnd, type SessionHooks } from '../connector'
import { BilibiliApi, type DanmuHost, type DanmuInfo, DEFAULT_API_BASE, DEFAULT_LIVE_API_BASE } from './api'
import { SlicedQueue } from '../sliced-queue'
import { type BilibiliCounters, bump, createCounters } from './counters'
import { CredentialSource } from './credentials'
import { type FetchFn, USER_AGENT } from './http'
import { DEFAULT_LOGIN_SYNC_SERVER } from './login-sync'
import { Normalizer } from './normalize'
import { AUTH_DEADLINE_MS, COMPRESSION, type Compression, DEFAULT_COMPRESSION, HEARTBEAT_INTERVAL_MS, IDLE_TIMEOUT_MS } from './protocol'
import { RecentIds } from '../../events/recent-ids'
import { runSocket } from './socket'
import { WbiKeyCache } from './wbi-keys'

export interface BilibiliConnectorOptions {
  /** Injectable fetch (tests, proxies). Default: global fetch. */
  fetch?: FetchFn
  /** Default https://api.bilibili.com (nav, finger/spi). */
  apiBase?: string
  /** Default https://api.live.bilibili.com (get_info, getDanmuInfo). */
  liveApiBase?: string
  /** When set, connect here instead of getDanmuInfo's host list. */
  wsUrl?: string
  /** How the server should compress messages (auth `protover`). Default zlib. */
  compression?: Compression
  /** LOGIN_SYNC_TOKEN values (`uuid@password`); empty → guest. */
  loginSyncTokens?: readonly string[]
  /** Default https://login-sync.laplace.cn. */
  loginSyncServer?: string
  /** PRICE_CURRENCY and its rates for `priceNormalized` (default: CNY). */
  pricing?: Pricing
  heartbeatIntervalMs?: number
  idleTimeoutMs?: number
  authTimeoutMs?: number
  /** Clock (ms). */
  now?: () => number
}

export interface BilibiliConnector extends Connector {
  readonly platform: 'bilibili'
  /** Live counters for metrics (unknown cmds, handler errors, bad frames, …). */
  readonly counters: BilibiliCounters
}

/** Fallback when getDanmuInfo returns no hosts (blivedm DEFAULT_DANMAKU_SERVER_LIST). */
const FALLBACK_HOST: DanmuHost = { host: 'broadcastlv.chat.bilibili.com', port: 2243, wssPort: 443, wsPort: 2244 }

/** What a connector remembers about one room between its sessions. */
interface RoomState {
  /** Token + hosts, reused across reconnects; dropped when auth fails. */
  danmu: (DanmuInfo & { roomId: number; uid: number }) | null
  /** Next host to try: rotates every session so a bad host is not retried forever. */
  hostIndex: number
  anchorName: string | null
  recent: RecentIds
}

export function createBilibiliConnector(options: BilibiliConnectorOptions = {}): BilibiliConnector {
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => fetch(input, init))
  const now = options.now ?? Date.now
  const apiBase = trimSlash(options.apiBase ?? DEFAULT_API_BASE)
  const liveApiBase = trimSlash(options.liveApiBase ?? DEFAULT_LIVE_API_BASE)
  const wbiKeys = new WbiKeyCache(fetchFn, apiBase, now)
  const api = new BilibiliApi(fetchFn, apiBase, liveApiBase, wbiKeys, () => Math.floor(now() / 1000))
  const credentials = new CredentialSource({
    fetchFn,
    apiBase,
    loginSyncServer: trimSlash(options.loginSyncServer ?? DEFAULT_LOGIN_SYNC_SERVER),
    tokens: (options.loginSyncTokens ?? []).filter((t) => t.trim() !== ''),
    wbiKeys,
    now,
  })
  const counters = createCounters()
  // The sockets' callbacks of every room of this connector, run in order and in time slices.
  const lane = new SlicedQueue(() => bump(counters.handlerErrors, '(socket callback)'))
  const rooms = new Map<string, RoomState>()
  let guestWarned = false

  const stateOf = (key: string): RoomState => {
    let s = rooms.get(key)
    if (!s) {
      s = { danmu: null, hostIndex: 0, anchorName: null, recent: new RecentIds() }
      rooms.set(key, s)
    }
    return s
  }

  async function session(room: RoomKey, hooks: SessionHooks, signal: AbortSignal, log: Logger): Promise<SessionEnd> {
    if (room.platform !== 'bilibili') throw new ConnectorError('NOT_FOUND', `not a Bilibili room: ${room.platform}:${room.key}`)
    if (signal.aborted) return { kind: 'aborted' }
    const state = stateOf(room.key)
    let account: 'guest' | 'login-sync' | undefined
    try {
      hooks.update({ phase: 'resolving' })
      const facts = await api.roomFacts(room.key, signal)
      state.anchorName ??= await api.anchorName(facts.anchorUid, signal)
      hooks.update({
        info: {
          roomId: String(facts.roomId),
          shortRoomId: facts.shortId,
          uid: String(facts.anchorUid),
          username: state.anchorName,
          live: facts.liveStatus === 1,
          title: facts.title,
        },
      })

      hooks.update({ phase: 'signing' })
      const creds = await credentials.forRoom(room.key, signal)
      account = creds.kind
      if (creds.kind === 'guest' && !guestWarned) {
        guestWarned = true
        log.warn('bilibili: connecting as a guest (no LOGIN_SYNC_TOKEN): Bilibili masks viewer names and uids (uid 0, "提***") a few minutes after connecting; gifts still arrive. Set LOGIN_SYNC_TOKEN to see names.')
      }
      if (!state.danmu || state.danmu.roomId !== facts.roomId || state.danmu.uid !== creds.uid) {
        const info = await api.danmuInfo(facts.roomId, creds.cookie, signal)
        state.danmu = { ...info, roomId: facts.roomId, uid: creds.uid }
      }
      const danmu = state.danmu

      hooks.update({ phase: 'connecting' })
      const host = pickHost(danmu.hosts, state.hostIndex++)
      const url = options.wsUrl ?? danmakuUrl(host)

      const normalizer = new Normalizer({
        roomId: facts.roomId,
        anchorUid: facts.anchorUid,
        counters,
        log,
        now,
        pricing: options.pricing,
        recent: state.recent,
        setLive: (live) => hooks.update({ info: { live } }),
        onLoginNotice: () => {
          if (creds.kind === 'guest') log.info('bilibili: upstream LOG_IN_NOTICE: viewer names are masked from now on for this guest connection')
          else log.warn('bilibili: upstream LOG_IN_NOTICE on a login-sync connection: the account cookie may have expired')
        },
      })

      log.info({ roomId: facts.roomId, host: options.wsUrl ? 'wsUrl' : host.host, account: creds.kind, uid: creds.uid }, 'bilibili: connecting')
      return await runSocket({
        url,
        headers: { 'User-Agent': USER_AGENT, Origin: 'https://live.bilibili.com' },
        auth: { uid: creds.uid, roomid: facts.roomId, protover: COMPRESSION[options.compression ?? DEFAULT_COMPRESSION], platform: 'web', type: 2, key: danmu.token, buvid: creds.buvid },
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
        authTimeoutMs: options.authTimeoutMs ?? AUTH_DEADLINE_MS * 2,
        signal,
        log,
        counters,
        lane,
        onFrame: () => hooks.alive(),
        onAuthed: () => hooks.update({ phase: 'connected' }),
        onMessage: (body) => {
          for (const e of normalizer.fromBody(body)) hooks.emit(e)
        },
      })
    } catch (err) {
      if (signal.aborted) return { kind: 'aborted' }
      // A refused auth, or a socket closed before the auth reply, may be the token's fault:
      // fetch a fresh one next time (blivedm re-inits the room after auth errors too).
      state.danmu = null
      // A refused login-sync auth may mean the synced cookies expired: log in afresh, and let
      // nav say so clearly if they did.
      if (account === 'login-sync' && err instanceof ConnectorError && err.code === 'AUTH') credentials.invalidate(room.key)
      throw err
    }
  }

  return {
    platform: 'bilibili',
    idleTimeoutMs: options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
    counters,
    session,
  }
}

/** The n-th host of the list, wrapping; the public fallback host when the list is empty. */
export function pickHost(hosts: readonly DanmuHost[], n: number): DanmuHost {
  return hosts.length > 0 ? (hosts[n % hosts.length] as DanmuHost) : FALLBACK_HOST
}

/** Web clients connect with TLS on `wss_port`, path `/sub` (§1.5). */
export function danmakuUrl(host: DanmuHost): string {
  return `wss://${host.host}:${host.wssPort}/sub`
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
