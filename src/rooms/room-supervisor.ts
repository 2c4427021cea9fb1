import type { Logger } from 'pino'
import type { EventBus } from '../bus/event-bus'
import { formatRoomKey, type LefEvent, type RoomKey } from '../events'
import { ConnectorError, type Connector, type SessionEnd, type SessionHooks } from '../platforms/connector'
import { backoffDelay } from '../backoff'
import type { RoomStatus } from './room-status'

export interface SupervisorOptions {
  room: RoomKey
  connector: Connector
  bus: EventBus
  log: Logger
  /** RESTART_WAIT: first backoff step, and the pause of a planned restart. */
  restartWaitMs: number
  /** Longest backoff step. */
  backoffCapMs?: number
  /** A connection that stayed up this long resets the backoff. */
  healthyAfterMs?: number
  /** How long a session may take to wind down after its signal aborts before it is abandoned. */
  abortGraceMs?: number
  /**
   * The room's index in `/info`'s list, asked at every event (rooms added or removed before it
   * shift it); undefined = not known, and the event keeps the index it has. Every event of the
   * room gets it here, at the one place all of them pass, rather than in each normaliser.
   */
  originIdx?: () => number | undefined
  random?: () => number
  now?: () => number
  /**
   * Told about every failed session (an error, not a clean close or an offline room), with how
   * many failed in a row. The error reporter (Sentry) hangs here; the supervisor knows nothing of it.
   */
  onSessionError?: (err: unknown, failure: { room: RoomKey; code: string; consecutive: number }) => void
}

type Wake = () => void

/**
 * Keeps one room connected for as long as it runs: calls the connector's `session` in a loop,
 * backs off with jitter after failures, waits calmly while the room is offline, aborts a
 * session that has gone quiet (idle watchdog), and restarts the connection on request
 * (RESTART_INTERVAL). One room's failure stays inside its supervisor.
 */
export class RoomSupervisor {
  readonly status: RoomStatus
  private readonly log: Logger
  private readonly now: () => number
  private running: Promise<void> | undefined
  private stopped = false
  private session: AbortController | undefined
  private plannedRestart = false
  private wake: Wake | undefined
  private attempt = 0
  private lastAlive = 0
  /** Failed sessions in a row; a session that connected resets it. */
  private failuresInRow = 0

  constructor(private readonly opts: SupervisorOptions) {
    this.now = opts.now ?? Date.now
    this.log = opts.log.child({ platform: opts.room.platform, room: opts.room.key })
    this.status = {
      platform: opts.room.platform, key: opts.room.key, state: 'idle', info: {}, lastError: null,
      connectedAt: null, lastEventAt: null, events: 0, reconnects: 0,
    }
  }

  get key(): string {
    return formatRoomKey(this.opts.room)
  }

  start(): void {
    if (this.running || this.stopped) return
    this.running = this.loop().catch((err) => {
      // The loop itself must never die; if it does, say so loudly and leave the room stopped.
      this.log.fatal({ err }, 'room supervisor crashed')
      this.status.state = 'stopped'
    })
  }

  /** Stop for good: abort the session and end the loop. */
  async stop(): Promise<void> {
    this.stopped = true
    this.session?.abort(new Error('stopped'))
    this.wake?.()
    await this.running
    this.status.state = 'stopped'
  }

  /** A planned restart: close the connection, wait RESTART_WAIT, connect again. */
  restart(): void {
    if (this.stopped) return
    if (this.session) {
      this.plannedRestart = true
      this.session.abort(new Error('planned restart'))
    } else {
      // Between sessions (backoff, offline wait): just try again now.
      this.attempt = 0
      this.wake?.()
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = this.now()
      const ac = new AbortController()
      this.session = ac
      this.status.state = 'resolving'
      let end: SessionEnd | undefined
      let error: unknown
      const watchdog = this.startWatchdog(ac)
      try {
        end = await this.runSession(ac)
      } catch (err) {
        error = err
      } finally {
        clearInterval(watchdog)
        this.session = undefined
        this.status.connectedAt = null
      }
      if (this.stopped) break

      if (this.plannedRestart) {
        this.plannedRestart = false
        this.attempt = 0
        this.status.state = 'backoff'
        this.log.info({ waitMs: this.opts.restartWaitMs }, 'planned restart')
        await this.sleep(this.opts.restartWaitMs)
        continue
      }
      if (end?.kind === 'offline') {
        this.attempt = 0
        this.status.state = 'offline'
        this.status.lastError = null
        this.log.info({ recheckMs: end.recheckMs }, 'room is offline; checking again later')
        await this.sleep(end.recheckMs)
        continue
      }

      // A failure or a closed socket: reconnect with backoff.
      if (this.now() - started >= (this.opts.healthyAfterMs ?? 60_000)) this.attempt = 0
      let delay = backoffDelay(this.attempt++, Math.max(this.opts.restartWaitMs, 100), this.opts.backoffCapMs ?? 60_000, this.opts.random)
      if (error instanceof ConnectorError && error.retryAfterMs !== undefined) delay = Math.max(delay, error.retryAfterMs)
      this.status.reconnects++
      this.status.state = 'backoff'
      if (error) {
        const code = error instanceof ConnectorError ? error.code : 'UNKNOWN'
        const message = error instanceof Error ? error.message : String(error)
        this.status.lastError = { code, message, at: this.now() }
        this.log.warn({ code, err: message, retryInMs: delay, attempt: this.attempt }, 'room session failed')
        this.reportFailure(error, code)
      } else {
        const reason = end?.kind === 'closed' ? end.reason : end?.kind
        this.log.info({ reason, retryInMs: delay, attempt: this.attempt }, 'room connection ended; reconnecting')
      }
      await this.sleep(delay)
    }
  }

  /** Run one session; if it ignores its aborted signal, give up on it after a grace period. */
  private async runSession(ac: AbortController): Promise<SessionEnd> {
    const gate = { open: true }
    const session = this.opts.connector.session(this.opts.room, this.hooks(ac, gate), ac.signal, this.log)
    const grace = this.opts.abortGraceMs ?? 5000
    const abandoned = new Promise<SessionEnd>((resolve) => {
      ac.signal.addEventListener('abort', () => {
        setTimeout(() => {
          this.log.error({ graceMs: grace }, 'session did not stop after abort; abandoning it')
          resolve({ kind: 'aborted' })
        }, grace).unref?.()
      }, { once: true })
    })
    try {
      return await Promise.race([session, abandoned])
    } finally {
      gate.open = false
    }
  }

  /**
   * What a session reports through. Events are taken until the session has ended (or been
   * abandoned), not only until its abort: a connector finishes the frames it received before the
   * abort (they may hold a gift) on its way out.
   */
  private hooks(ac: AbortController, gate: { open: boolean }): SessionHooks {
    this.lastAlive = this.now()
    return {
      emit: (event: LefEvent) => {
        if (!gate.open) return
        const idx = this.opts.originIdx?.()
        if (idx !== undefined) event.originIdx = idx
        this.status.events++
        this.status.lastEventAt = this.now()
        this.opts.bus.publish(event)
      },
      alive: () => {
        this.lastAlive = this.now()
      },
      update: (patch) => {
        this.lastAlive = this.now()
        if (ac.signal.aborted) return
        if (patch.info) this.status.info = { ...this.status.info, ...patch.info }
        if (patch.phase) {
          this.status.state = patch.phase
          if (patch.phase === 'connected') {
            this.failuresInRow = 0
            this.status.connectedAt = this.now()
            this.status.lastError = null
            this.log.info({ roomId: this.status.info.roomId, live: this.status.info.live }, 'connected')
          }
        }
      },
    }
  }

  private reportFailure(error: unknown, code: string): void {
    this.failuresInRow++
    try {
      this.opts.onSessionError?.(error, { room: this.opts.room, code, consecutive: this.failuresInRow })
    } catch (err) {
      // A broken reporter must not take the room down with it.
      this.log.error({ err }, 'session error hook failed')
    }
  }

  /** Abort the session when nothing has arrived for the connector's idle timeout. */
  private startWatchdog(ac: AbortController): ReturnType<typeof setInterval> {
    const idle = this.opts.connector.idleTimeoutMs
    return setInterval(() => {
      const quiet = this.now() - this.lastAlive
      if (quiet > idle && !ac.signal.aborted) {
        this.log.warn({ quietMs: quiet, idleTimeoutMs: idle }, 'no frame from upstream for too long; reconnecting')
        ac.abort(new Error('idle watchdog'))
      }
    }, Math.max(50, Math.min(5000, idle / 4)))
  }

  /** Sleep that stop() and restart() cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.wake = () => {
        this.wake = undefined
        done()
      }
    })
  }
}
