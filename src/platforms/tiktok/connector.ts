import type { Logger } from 'pino'
import { roomOrigin, type RoomKey } from '../../events'
import type { ProtoMessageFetchResult } from '../../gen/tiktok/push_pb'
import type { Connector, SessionEnd, SessionHooks } from '../connector'
import { resolveRoom } from './api'
import { checkAlive } from './check-alive'
import { createEulerSignProvider } from './euler-sign-provider'
import { createCounters, createNormalizer, GiftStreakTracker, type Normalizer, type NormalizeCounters } from './normalize'
import { resolveOptions, type TikTokConnectorOptions } from './options'
import { SlicedQueue } from '../sliced-queue'
import { createTransportCounters, runPushSocket, type TransportCounters } from './push-client'
import type { SignProvider } from './sign-provider'
import { withRequestTimeout } from '../http/request-timeout'
import { buildPushUrl } from './ws-url'

export interface TikTokConnector extends Connector {
  readonly platform: 'tiktok'
  /** Unmapped methods, decode errors, expired streaks (all rooms of this connector). */
  readonly counters: NormalizeCounters
  readonly transport: TransportCounters
  readonly signer: SignProvider
}

/**
 * The TikTok LIVE connector: `@uniqueId` → room (live page / user room API) → signed push URL
 * (sign provider) → push WebSocket (enter, heartbeat, ack) → normalised events.
 */
export function createTikTokConnector(options: TikTokConnectorOptions = {}): TikTokConnector {
  const opts = resolveOptions(options)
  const httpFetch = withRequestTimeout(opts.fetch, opts.requestTimeoutMs)
  const signer =
    opts.signProvider ??
    createEulerSignProvider({
      ...(opts.signServer !== undefined ? { signServer: opts.signServer } : {}),
      ...(opts.signApiKey !== undefined ? { apiKey: opts.signApiKey } : {}),
      ...(opts.signClientName !== undefined ? { clientName: opts.signClientName } : {}),
      fetch: httpFetch,
      now: opts.now,
    })
  const counters = createCounters()
  const transport = createTransportCounters()
  // The sockets' callbacks of every room of this connector, run in order and in time slices.
  const lane = new SlicedQueue(() => transport.badFrames++)
  // Per room and across sessions: a streak's end frame may arrive on the next connection.
  const streaksByRoom = new Map<string, GiftStreakTracker>()

  function streaksFor(room: string): GiftStreakTracker {
    let t = streaksByRoom.get(room)
    if (!t) {
      t = new GiftStreakTracker({ timeoutMs: opts.streakTimeoutMs, now: opts.now })
      streaksByRoom.set(room, t)
    }
    return t
  }

  /** Emit a batch's events; true when the live ended. */
  function deliver(result: ProtoMessageFetchResult, normalizer: Normalizer, hooks: SessionHooks): boolean {
    let ended = false
    for (const message of result.messages) {
      const out = normalizer.handle(message)
      for (const event of out.events) hooks.emit(event)
      if (out.streamEnded) ended = true
    }
    return ended
  }

  async function session(room: RoomKey, hooks: SessionHooks, signal: AbortSignal, log: Logger): Promise<SessionEnd> {
    // The supervisor's logger already names the room; a bare logger gets the fields here.
    const offline: SessionEnd = { kind: 'offline', recheckMs: opts.offlineRecheckMs }
    if (signal.aborted) return { kind: 'aborted' }
    try {
      hooks.update({ phase: 'resolving' })
      const status = await resolveRoom(room.key, { webBase: opts.webBase, userAgent: opts.userAgent, fetch: httpFetch }, signal, log)
      let live = status.live
      if (live && status.status === null) {
        live = await checkAlive(opts.webcastBase, status.roomId, { fetch: httpFetch, userAgent: opts.userAgent }, signal)
      }
      hooks.update({
        info: { roomId: status.roomId, shortRoomId: 0, uid: status.uid, username: status.nickname || room.key, live, title: status.title },
      })
      if (!live) {
        log.debug('tiktok user is not live')
        return offline
      }

      hooks.update({ phase: 'signing' })
      const signed = await signer.signConnect({ roomId: status.roomId, userAgent: opts.userAgent, signal })
      const roomId = signed.roomId ?? status.roomId
      const normalizer = createNormalizer({
        ctx: { room: room.key, origin: roomOrigin('tiktok', room.key), coinUsd: opts.coinUsd, pricing: opts.pricing, now: opts.now, hostUid: status.uid },
        streaks: streaksFor(room.key),
        counters,
        log,
      })
      // The signer's batch holds the latest messages: emit them (ids dedupe any replay).
      if (deliver(signed.fetchResult, normalizer, hooks)) return offline

      hooks.update({ phase: 'connecting' })
      const end = await runPushSocket({
        url: buildPushUrl(signed.fetchResult, roomId),
        roomId,
        cursor: signed.fetchResult.cursor,
        cookieHeader: signed.cookieHeader,
        userAgent: opts.userAgent,
        heartbeatIntervalMs: opts.heartbeatIntervalMs,
        signal,
        log,
        counters: transport,
        lane,
        ...(opts.timers ? { timers: opts.timers } : {}),
        onOpen: () => {
          log.info({ roomId }, 'tiktok push socket connected')
          hooks.update({ phase: 'connected' })
        },
        onFrame: () => hooks.alive(),
        onResult: (result) => deliver(result, normalizer, hooks),
      })
      if (end.kind === 'stream-ended') {
        log.info('tiktok live ended')
        hooks.update({ info: { live: false } })
        return offline
      }
      return end
    } catch (err) {
      // Whatever failed while the supervisor was stopping us is just the stop.
      if (signal.aborted) return { kind: 'aborted' }
      throw err
    }
  }

  return { platform: 'tiktok', idleTimeoutMs: opts.idleTimeoutMs, session, counters, transport, signer }
}
