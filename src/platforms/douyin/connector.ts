import type { LiveStart } from '@laplace.live/event-types'
import type { Logger } from 'pino'
import { DEFAULT_PRICING, eventId, roomOrigin, type RoomKey } from '../../events'
import { type Connector, ConnectorError, type SessionEnd, type SessionHooks } from '../connector'
import { resolveRoom } from './api'
import { SlicedQueue } from '../sliced-queue'
import { runPushConnection } from './client'
import { baseFields } from './normalize/base'
import { type DouyinEvent, type NormalizeContext } from './normalize/context'
import { liveEndEvent } from './normalize/control'
import { type GiftFacts, giftEvent } from './normalize/gift'
import { GiftComboTracker } from './normalize/gift-combo'
import { safeUid } from './normalize/user'
import { DEFAULT_USER_AGENT, DEFAULT_WEB_BASE, type DouyinConnectorOptions } from './options'
import { buildPushUrl, PUSH_HOSTS, randomUserUniqueId, VERSION_CODE, WEBCAST_SDK_VERSION } from './push-url'
import type { ResumeState } from './resume'
import { createNativeSigner, type DouyinSigner } from './sign'
import { createSignServerSigner } from './sign-server'
import { createDouyinStats, type DouyinStats } from './stats'
import { buildCookieHeader, cookieFromHeader, TtwidJar } from './ttwid'

/** What the connector keeps per room across sessions. */
interface RoomState {
  /** The broadcast's room id the resume point belongs to. */
  roomId: string
  resume: ResumeState
  userUniqueId: string
  anchorUid: string
  anchorName: string
  /** Last known live state; undefined until the first resolve. */
  live: boolean | undefined
  combos: GiftComboTracker<GiftFacts>
  attempts: number
  /** Sessions running now: two while a planned restart overlaps the old and the new. */
  sessions: number
}

export interface DouyinConnector extends Connector {
  readonly platform: 'douyin'
  readonly stats: DouyinStats
  /** The resume point a room's next session will present (for status and tests). */
  resumeOf(room: string): Readonly<ResumeState> | undefined
}

export function createDouyinConnector(options: DouyinConnectorOptions = {}): DouyinConnector {
  const webBase = (options.webBase ?? DEFAULT_WEB_BASE).replace(/\/+$/, '')
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT
  const doFetch = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const heartbeatMs = options.heartbeatMs ?? 10_000
  const offlineRecheckMs = options.offlineRecheckMs ?? 30_000
  const comboSweepMs = options.comboSweepMs ?? 1_000
  const ttwid = new TtwidJar({ webBase, userAgent, fetch: doFetch, now, fixed: cookieFromHeader(options.cookie ?? '', 'ttwid') ?? undefined })
  const sharedSigner: DouyinSigner | undefined =
    options.signer ?? (options.signServer ? createSignServerSigner({ url: options.signServer, fetch: doFetch }) : undefined)
  const stats = createDouyinStats()
  // The sockets' callbacks of every room of this connector, run in order and in time slices.
  const lane = new SlicedQueue(() => stats.frameErrors++)
  const rooms = new Map<string, RoomState>()
  let warnedNoCookie = false

  function stateOf(key: string): RoomState {
    let st = rooms.get(key)
    if (!st) {
      st = {
        roomId: '',
        resume: { cursor: '', internalExt: '' },
        userUniqueId: randomUserUniqueId(random),
        anchorUid: '',
        anchorName: '',
        live: undefined,
        combos: new GiftComboTracker<GiftFacts>({ idleMs: options.comboIdleMs }),
        attempts: 0,
        sessions: 0,
      }
      rooms.set(key, st)
    }
    return st
  }

  async function session(room: RoomKey, hooks: SessionHooks, signal: AbortSignal, log: Logger): Promise<SessionEnd> {
    const st = stateOf(room.key)
    if (!options.cookie && !warnedNoCookie) {
      warnedNoCookie = true
      log.warn('douyin: no DOUYIN_COOKIE set; many rooms no longer push gifts to anonymous viewers, so gifts may be missing')
    }
    const ctx: NormalizeContext = {
      room: room.key,
      origin: roomOrigin('douyin', room.key),
      pricing: options.pricing ?? DEFAULT_PRICING,
      anchorUid: st.anchorUid,
      anchorName: st.anchorName,
      now,
      emit: (e) => hooks.emit(e),
      combos: st.combos,
      log,
    }
    const flushCombos = () => {
      for (const r of st.combos.flushAll(now())) hooks.emit(giftEvent(r, ctx))
    }
    st.sessions++
    try {
      hooks.update({ phase: 'resolving' })
      const info = await resolveRoom(room.key, { webBase, userAgent, fetch: doFetch, ttwid, cookie: options.cookie, random }, log, signal)
      if (info.anchor.uid) st.anchorUid = info.anchor.uid
      if (info.anchor.nickname) st.anchorName = info.anchor.nickname
      ctx.anchorUid = st.anchorUid
      ctx.anchorName = st.anchorName
      hooks.update({ info: { roomId: info.roomId, shortRoomId: 0, uid: info.anchor.uid, username: info.anchor.nickname, live: info.live, title: info.title } })
      if (!info.live) {
        // The server may close without a ControlMessage; the live-end id is per broadcast, so
        // this and a ControlMessage's event are stored once.
        if (st.live === true) hooks.emit(liveEndEvent(ctx, st.roomId, now(), '直播已结束'))
        st.live = false
        log.info({ status: info.status }, 'douyin: room is not live')
        return { kind: 'offline', recheckMs: offlineRecheckMs }
      }
      // Signing and the socket need the broadcast's room id; a live answer without one is broken.
      if (!info.roomId) throw new ConnectorError('UPSTREAM', `douyin room ${room.key} is live but its room id is missing (${info.source})`)
      if (st.live === false) hooks.emit(liveStartEvent(ctx, info.roomId, info.title, now()))
      st.live = true
      if (info.roomId !== st.roomId) {
        // A new broadcast has a new room id: an old resume point means nothing to it.
        st.roomId = info.roomId
        st.resume = { cursor: '', internalExt: '' }
      }
      if (info.userUniqueId) st.userUniqueId = info.userUniqueId

      hooks.update({ phase: 'signing' })
      const signer = sharedSigner ?? createNativeSigner(random)
      const signature = await signer.sign({ roomId: info.roomId, userUniqueId: st.userUniqueId, sdkVersion: WEBCAST_SDK_VERSION, versionCode: VERSION_CODE }, signal)

      hooks.update({ phase: 'connecting' })
      const base = options.wsUrl ?? PUSH_HOSTS[st.attempts % PUSH_HOSTS.length]!
      st.attempts++
      const url = buildPushUrl({ base, roomId: info.roomId, userUniqueId: st.userUniqueId, userAgent, signature, cursor: st.resume.cursor, internalExt: st.resume.internalExt })
      const cookie = buildCookieHeader(await ttwid.get(log, signal), options.cookie)
      log.info({ roomId: info.roomId, resume: st.resume.cursor !== '', signer: signer.kind }, 'douyin: connecting')
      const sweep = setInterval(() => {
        for (const r of st.combos.sweep(now())) hooks.emit(giftEvent(r, ctx))
      }, comboSweepMs)
      try {
        const end = await runPushConnection({
          url,
          headers: { Cookie: cookie, 'User-Agent': userAgent, Origin: 'https://live.douyin.com', Referer: 'https://live.douyin.com/' },
          heartbeatMs,
          offlineRecheckMs,
          hooks,
          signal,
          log,
          ctx,
          stats,
          resume: st.resume,
          lane,
        })
        if (end.kind === 'offline') st.live = false
        return end
      } catch (err) {
        if ((err as { code?: string }).code === 'DEVICE_BLOCKED') ttwid.invalidate()
        throw err
      } finally {
        clearInterval(sweep)
      }
    } catch (err) {
      if (signal.aborted) return { kind: 'aborted' }
      throw err
    } finally {
      // A session that ends must not leave a combo uncounted; while another session of the
      // room runs (a planned restart), that one carries the combos on.
      if (--st.sessions === 0) flushCombos()
    }
  }

  return {
    platform: 'douyin',
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    stats,
    session,
    resumeOf: (key) => rooms.get(key)?.resume,
  }
}

function liveStartEvent(ctx: NormalizeContext, roomId: string, title: string, time: number): DouyinEvent<LiveStart> {
  return {
    type: 'live-start',
    id: eventId('douyin', 'live-start', roomId || `${ctx.room}:${time}`),
    ...baseFields(ctx, time),
    uid: safeUid(ctx.anchorUid),
    username: ctx.anchorName,
    message: title ? `开播了：${title}` : '开播了',
  } satisfies DouyinEvent<LiveStart>
}
