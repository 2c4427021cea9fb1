import type { Logger } from 'pino'
import type { EventBus } from '../bus/event-bus'
import { formatRoomKey, type LefEvent, type RoomKey } from '../events'
import { ConnectorError, type Connector, type RoomInfo, type SessionEnd, type SessionHooks, type SessionPhase } from '../platforms/connector'
import { backoffDelay } from '../backoff'
import { RecentIds } from '../events/recent-ids'
import type { RoomStatus } from './room-status'

export interface SupervisorOptions {
  room: RoomKey
  connector: Connector
  bus: EventBus
  log: Logger
  /** RESTART_WAIT: first backoff step after a failure. */
  restartWaitMs: number
  /**
   * A planned restart gives up on its new connection (and keeps the old one) when it is not
   * connected and receiving by then.
   */
  handoffTimeoutMs?: number
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

/** One connector session as the supervisor runs it. */
interface Run {
  ac: AbortController
  started: number
  /** Settles with how the session ended (abandoned after the abort grace if it will not stop). */
  done: Promise<{ end?: SessionEnd; error?: unknown }>
  phase: SessionPhase | undefined
  info: Partial<RoomInfo>
  /** A frame arrived after the session reported `connected`. */
  receiving: boolean
  /** Told when the session is connected and receiving. */
  onReady?: () => void
}

/** How long after two sessions overlapped their duplicate ids are still caught. */
const OVERLAP_TAIL_MS = 10_000

/**
 * Keeps one room connected for as long as it runs: calls the connector's `session` in a loop,
 * backs off with jitter after failures, waits calmly while the room is offline, aborts a
 * session that has gone quiet (idle watchdog), and restarts the connection on request
 * (RESTART_INTERVAL) make-before-break: the new session is connected and receiving before the
 * old one is closed, and ids seen twice during the overlap are passed on once. Every event a
 * session emits is published, even after its session ended or was abandoned. One room's
 * failure stays inside its supervisor.
 */
export class RoomSupervisor {
  readonly status: RoomStatus
  private readonly log: Logger
  private readonly now: () => number
  private running: Promise<void> | undefined
  private stopped = false
  private current: Run | undefined
  private standby: Run | undefined
  /** Set by a planned restart that handed over: the loop follows this run next. */
  private replacement: Run | undefined
  private replaced: (() => void) | undefined
  /** Every session not yet settled (two while a planned restart overlaps them). */
  private readonly sessions = new Set<Promise<unknown>>()
  private readonly seen = new RecentIds(4096)
  private overlapUntil = 0
  /** Events passed over because the other session of an overlap had already delivered them. */
  duplicatesSkipped = 0
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

  /** Stop for good: abort the sessions and end the loop, once their last events are out. */
  async stop(): Promise<void> {
    this.stopped = true
    this.current?.ac.abort(new Error('stopped'))
    this.standby?.ac.abort(new Error('stopped'))
    this.replacement?.ac.abort(new Error('stopped'))
    this.replaced?.()
    this.wake?.()
    await this.running
    await Promise.all([...this.sessions])
    this.status.state = 'stopped'
  }

  /**
   * A planned restart, make-before-break: open a second session, and once it is connected and
   * receiving close the first. A session that is not connected yet is simply started over.
   */
  restart(): void {
    if (this.stopped || this.standby || this.replacement) return
    const current = this.current
    if (!current) {
      // Between sessions (backoff, offline wait): just try again now.
      this.attempt = 0
      this.wake?.()
      return
    }
    if (current.phase !== 'connected') {
      this.attempt = 0
      current.ac.abort(new Error('planned restart'))
      return
    }
    this.log.info('planned restart: opening a new connection before closing the current one')
    const standby = this.open('standby')
    this.standby = standby
    const timeoutMs = this.opts.handoffTimeoutMs ?? 30_000
    const timer = setTimeout(() => standby.ac.abort(new Error('planned restart: new connection not ready in time')), timeoutMs)
    timer.unref?.()
    standby.onReady = () => {
      clearTimeout(timer)
      if (this.standby !== standby) return
      this.standby = undefined
      if (this.stopped || this.current !== current) {
        standby.ac.abort(new Error('stopped'))
        return
      }
      this.replacement = standby
      this.replaced?.()
    }
    void standby.done.then(({ end, error }) => {
      clearTimeout(timer)
      if (this.standby !== standby) return
      // The new connection failed before it was ready: the current one keeps the room.
      this.standby = undefined
      const why = error instanceof Error ? error.message : end?.kind
      this.log.warn({ why }, 'planned restart: new connection did not come up; keeping the current one')
    })
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const run = this.replacement ?? this.open('current')
      this.replacement = undefined
      this.current = run
      const handedOver = new Promise<'replaced'>((resolve) => {
        this.replaced = () => resolve('replaced')
      })
      const outcome = await Promise.race([run.done, handedOver])
      this.replaced = undefined
      if (outcome === 'replaced') {
        if (this.stopped) break
        this.handOver(run)
        continue
      }
      this.current = undefined
      this.status.connectedAt = null
      if (this.stopped) break
      const pending = this.standby
      if (pending) {
        // The old connection ended while its replacement was starting: that one carries on now.
        this.standby = undefined
        this.replacement = pending
        this.status.state = pending.phase ?? 'resolving'
        this.status.info = { ...this.status.info, ...pending.info }
        if (pending.phase === 'connected') this.status.connectedAt = this.now()
        continue
      }
      const { end, error } = outcome

      if (end?.kind === 'offline') {
        this.attempt = 0
        this.status.state = 'offline'
        this.status.lastError = null
        this.log.info({ recheckMs: end.recheckMs }, 'room is offline; checking again later')
        await this.sleep(end.recheckMs)
        continue
      }
      if (end?.kind === 'aborted' && run.ac.signal.reason instanceof Error && run.ac.signal.reason.message === 'planned restart') {
        // A planned restart of a session that was not connected yet: connect again at once.
        this.log.info('planned restart')
        continue
      }

      // A failure or a closed socket: reconnect with backoff.
      if (this.now() - run.started >= (this.opts.healthyAfterMs ?? 60_000)) this.attempt = 0
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
    this.current = undefined
  }

  /** The new session of a planned restart is ready: it becomes the room's, the old one closes. */
  private handOver(old: Run): void {
    const next = this.replacement
    if (!next) return
    this.overlapUntil = this.now() + OVERLAP_TAIL_MS
    this.status.info = { ...this.status.info, ...next.info }
    this.status.state = 'connected'
    this.status.connectedAt = this.now()
    this.status.lastError = null
    old.ac.abort(new Error('planned restart: replaced'))
    void old.done.then(({ error }) => {
      this.overlapUntil = this.now() + OVERLAP_TAIL_MS
      if (error) this.log.debug({ err: error instanceof Error ? error.message : String(error) }, 'replaced connection ended with an error')
    })
    this.log.info('planned restart: new connection receiving; old one closed')
  }

  /** Start one session with its watchdog: the room's own, or the standby of a planned restart. */
  private open(role: 'current' | 'standby'): Run {
    const ac = new AbortController()
    const run: Run = { ac, started: this.now(), done: undefined as never, phase: undefined, info: {}, receiving: false }
    if (role === 'current') {
      // Before the session starts: a connector may report its first phases synchronously.
      this.current = run
      this.status.state = 'resolving'
    }
    this.lastAlive = this.now()
    const watchdog = this.startWatchdog(ac)
    run.done = this.runSession(run).then(
      (end) => ({ end }),
      (error: unknown) => ({ error }),
    ).finally(() => {
      clearInterval(watchdog)
      this.sessions.delete(run.done)
    })
    this.sessions.add(run.done)
    return run
  }

  /** Run one session; if it ignores its aborted signal, give up on it after a grace period. */
  private async runSession(run: Run): Promise<SessionEnd> {
    const { ac } = run
    const session = this.opts.connector.session(this.opts.room, this.hooks(run), ac.signal, this.log)
    const grace = this.opts.abortGraceMs ?? 5000
    const abandoned = new Promise<SessionEnd>((resolve) => {
      ac.signal.addEventListener('abort', () => {
        setTimeout(() => {
          this.log.error({ graceMs: grace }, 'session did not stop after abort; abandoning it (its events are still taken)')
          resolve({ kind: 'aborted' })
        }, grace).unref?.()
      }, { once: true })
    })
    return await Promise.race([session, abandoned])
  }

  /** Whether this run is the one the room's status follows. */
  private isCurrent(run: Run): boolean {
    return this.current === run && !run.ac.signal.aborted
  }

  /**
   * What a session reports through. Events are always taken, also after the session was
   * aborted, ended or abandoned: a connector finishes the frames it received on its way out
   * (they may hold a gift), and a received event is never thrown away.
   */
  private hooks(run: Run): SessionHooks {
    const ready = () => {
      if (run.receiving || run.phase !== 'connected') return
      run.receiving = true
      run.onReady?.()
    }
    return {
      emit: (event: LefEvent) => {
        const fresh = this.seen.add(event.id)
        // Two sessions of one room deliver the same ids while they overlap: pass each on once.
        if (!fresh && (this.sessions.size > 1 || this.now() < this.overlapUntil)) {
          this.duplicatesSkipped++
          return
        }
        this.lastAlive = this.now()
        ready()
        const idx = this.opts.originIdx?.()
        if (idx !== undefined) event.originIdx = idx
        this.status.events++
        this.status.lastEventAt = this.now()
        this.opts.bus.publish(event)
      },
      alive: () => {
        this.lastAlive = this.now()
        ready()
      },
      update: (patch) => {
        if (run.ac.signal.aborted) return
        this.lastAlive = this.now()
        if (patch.info) run.info = { ...run.info, ...patch.info }
        if (patch.phase) run.phase = patch.phase
        if (!this.isCurrent(run)) return
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
