import type { Logger } from 'pino'
import type { LefEvent, Platform, RoomKey } from '../events'

/**
 * What a connector learned about its room. Feeds `/info` (the FetcherRoom shape) and status.
 * 64-bit upstream ids stay strings.
 */
export interface RoomInfo {
  /** The platform's internal room id: Bilibili long room id, Douyin room id, TikTok room id. */
  roomId: string
  /** Bilibili short id, when the room has one. */
  shortRoomId: number
  /** The streamer's uid on the platform. */
  uid: string
  username: string | null
  live: boolean
  title: string
}

/** Phases a session reports while it starts, in order (on-demand clients see them as progress). */
export type SessionPhase = 'resolving' | 'signing' | 'connecting' | 'connected'

/** Callbacks a connector session uses to talk to its supervisor. */
export interface SessionHooks {
  /** A normalised event. Called synchronously from the frame handler; never throws. */
  emit(event: LefEvent): void
  /** Any upstream frame arrived: feeds the supervisor's idle watchdog. */
  alive(): void
  /** Progress and room facts. */
  update(patch: { phase?: SessionPhase; info?: Partial<RoomInfo> }): void
}

/** How a session ended without an error. */
export type SessionEnd =
  /** The upstream socket closed: reconnect with backoff. */
  | { kind: 'closed'; reason: string }
  /** The room is not live (or the live just ended): wait calmly, then start a new session. */
  | { kind: 'offline'; recheckMs: number }
  /** The supervisor's signal aborted the session (stop, watchdog, planned restart). */
  | { kind: 'aborted' }

/** Error codes connectors throw with; the supervisor logs them and backs off. */
export type ConnectorErrorCode =
  | 'NOT_FOUND' // room or user does not exist
  | 'RISK_CONTROL' // Bilibili -352, TikTok captcha / region block
  | 'DEVICE_BLOCKED' // Douyin / TikTok handshake refused
  | 'RATE_LIMITED' // a signer or API answered 429
  | 'AUTH' // bad token / login sync failure
  | 'PROTOCOL' // upstream sent something we cannot understand
  | 'NETWORK' // connect / HTTP failure
  | 'UPSTREAM' // upstream answered with an error code

export class ConnectorError extends Error {
  override name = 'ConnectorError'
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    /** When set, wait at least this long before the next attempt (e.g. 429 retry-after). */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * One platform's protocol client. A connector owns no timers between sessions and never
 * touches storage or HTTP: the RoomSupervisor (src/rooms) calls `session` in a loop and
 * handles backoff, watchdog and planned restarts.
 */
export interface Connector {
  readonly platform: Platform
  /** No frame for this long → the supervisor aborts the session and reconnects. */
  readonly idleTimeoutMs: number
  /**
   * Resolve the room and run one upstream connection until it ends. Resolves with how it
   * ended; throws (preferably a ConnectorError) on failure. Must stop promptly, close its
   * socket and resolve `{kind:'aborted'}` when `signal` aborts. `log` is already bound to
   * `{platform, room}` by the supervisor.
   */
  session(room: RoomKey, hooks: SessionHooks, signal: AbortSignal, log: Logger): Promise<SessionEnd>
}
