import type { Logger } from 'pino'
import { formatRoomKey, type Platform, type RoomKey } from '../events'
import type { ConnectorErrorCode } from '../platforms/connector'
import type { LeaseKeeper } from './room-lease'
import type { RoomState, RoomStatus } from './room-status'

/** What a waiting client is told about a room it asked for. */
export type RoomProgress =
  | {
      type: 'status'
      platform: Platform
      room: string
      /** The supervisor's phase (resolving, signing, connecting, connected, offline, backoff, stopped), or `elsewhere`: another node connects it. */
      state: RoomState | 'elsewhere'
      /**
       * Set when events of this room carry another `room` than the one asked for: a Bilibili short
       * id resolves to its long id. A client filtering by the short id should reconnect with this.
       */
      eventRoom?: string
      timestamp: number
    }
  | {
      type: 'error'
      platform: Platform
      room: string
      /** FORBIDDEN: the client may not start rooms (no AUTH_KEY configured, or it does not hold one). */
      code: ConnectorErrorCode | 'UNKNOWN' | 'DISABLED' | 'LIMIT' | 'FORBIDDEN'
      message: string
      /** True when lef gave up on the room (it does not exist, or the operator disabled it). */
      final: boolean
      timestamp: number
    }

type ErrorCode = Extract<RoomProgress, { type: 'error' }>['code']

/** One client connection waiting on rooms. */
export interface ProgressSink {
  notify(progress: RoomProgress): void
}

export interface OnDemandOptions {
  leases: Pick<LeaseKeeper, 'claimOnDemand' | 'releaseOnDemand'>
  /** This node's live supervisor status of a room (undefined when it does not run it). */
  status(room: RoomKey): RoomStatus | undefined
  /** ON_DEMAND_IDLE: how long a room keeps running after its last client left. */
  idleMs: number
  /**
   * ON_DEMAND_MAX: most rooms this node starts on demand. Every one is a real upstream
   * connection, and platforms' risk control counts connections per IP; a client listing many
   * rooms must not be able to open them all.
   */
  maxRooms: number
  log: Logger
  /** How often a starting room's status is checked for progress. */
  pollMs?: number
  /** How often a room another node connects is checked again (that node may have died). */
  recheckMs?: number
  now?: () => number
}

interface Entry {
  room: RoomKey
  sinks: Set<ProgressSink>
  outcome: 'claiming' | 'ours' | 'elsewhere' | 'gone'
  /** When an `elsewhere` room is claimed again. */
  recheckAt: number
  lastState: RoomState | undefined
  lastErrorAt: number | undefined
  idle: ReturnType<typeof setTimeout> | undefined
}

/** Errors after which trying again is pointless: the room is stopped and clients are told so. */
const FINAL_CODES = new Set<string>(['NOT_FOUND'])

/**
 * ON_DEMAND_ROOMS: a bridge or SSE client asking for a room no node watches starts it. The
 * room runs under an on-demand lease (so no second node starts it too) while clients want it,
 * and stops `idleMs` after the last one left. Clients see its start-up phases and any error.
 */
export class OnDemandRooms {
  private readonly entries = new Map<string, Entry>()
  private readonly poller: ReturnType<typeof setInterval>
  private readonly now: () => number
  private closed = false

  constructor(private readonly opts: OnDemandOptions) {
    this.now = opts.now ?? Date.now
    this.poller = setInterval(() => this.poll(), opts.pollMs ?? 100)
    this.poller.unref?.()
  }

  /** Rooms started on demand and still kept (for tests and the dashboard). */
  rooms(): string[] {
    return [...this.entries.keys()]
  }

  /** A client wants these rooms. Returns its detach function (call it when the client leaves). */
  attach(rooms: ReadonlyArray<{ platform: Platform; room: string }>, sink: ProgressSink): () => void {
    if (this.closed || rooms.length === 0) return () => {}
    const mine: Entry[] = []
    for (const r of rooms) {
      const key: RoomKey = { platform: r.platform, key: r.room }
      const id = formatRoomKey(key)
      let entry = this.entries.get(id)
      if (!entry) {
        const running = this.runningCount()
        if (running >= this.opts.maxRooms) {
          this.send(sink, {
            type: 'error', platform: key.platform, room: key.key, code: 'LIMIT', final: true, timestamp: this.now(),
            message: `this node already runs ${running} on-demand rooms (ON_DEMAND_MAX); ask the operator to add the room`,
          })
          continue
        }
        entry = { room: key, sinks: new Set(), outcome: 'claiming', recheckAt: 0, lastState: undefined, lastErrorAt: undefined, idle: undefined }
        this.entries.set(id, entry)
        void this.claim(entry)
      }
      clearTimeout(entry.idle)
      entry.idle = undefined
      entry.sinks.add(sink)
      mine.push(entry)
      // A late joiner learns where the room stands now.
      if (entry.outcome === 'elsewhere') this.send(sink, this.statusOf(entry, 'elsewhere'))
      else if (entry.lastState) this.send(sink, this.statusOf(entry, entry.lastState))
    }
    let detached = false
    return () => {
      if (detached) return
      detached = true
      for (const entry of mine) {
        entry.sinks.delete(sink)
        if (entry.sinks.size === 0) this.scheduleRelease(entry)
      }
    }
  }

  /** A session of a room reached a start-up phase (see observePhases); tell its clients at once. */
  phase(room: RoomKey, state: RoomState): void {
    const entry = this.entries.get(formatRoomKey(room))
    if (!entry || (entry.outcome !== 'ours' && entry.outcome !== 'claiming') || entry.lastState === state) return
    entry.lastState = state
    this.broadcast(entry, this.statusOf(entry, state))
  }

  /** Rooms this node runs (or is starting) on demand; rooms another node connects do not count. */
  private runningCount(): number {
    let n = 0
    for (const e of this.entries.values()) if (e.outcome === 'claiming' || e.outcome === 'ours') n++
    return n
  }

  /** Shutdown: the lease keeper stops the rooms themselves. */
  close(): void {
    this.closed = true
    clearInterval(this.poller)
    for (const e of this.entries.values()) clearTimeout(e.idle)
    this.entries.clear()
  }

  private async claim(entry: Entry): Promise<void> {
    let verdict: Awaited<ReturnType<OnDemandOptions['leases']['claimOnDemand']>>
    try {
      verdict = await this.opts.leases.claimOnDemand(entry.room)
    } catch (err) {
      this.opts.log.error({ err, room: formatRoomKey(entry.room) }, 'on-demand room could not be claimed')
      this.fail(entry, 'UNKNOWN', 'the room could not be started: the database is unreachable', true)
      return
    }
    if (entry.outcome === 'gone') {
      // Every client left while the claim ran.
      if (verdict === 'ours') await this.opts.leases.releaseOnDemand(entry.room).catch(() => {})
      return
    }
    if (verdict === 'disabled') {
      this.fail(entry, 'DISABLED', 'the operator has disabled this room', true)
      return
    }
    if (verdict === 'held-elsewhere') {
      if (entry.outcome !== 'elsewhere') this.broadcast(entry, this.statusOf(entry, 'elsewhere'))
      entry.outcome = 'elsewhere'
      entry.recheckAt = this.now() + (this.opts.recheckMs ?? 5000)
      return
    }
    entry.outcome = 'ours'
    this.opts.log.info({ room: formatRoomKey(entry.room), clients: entry.sinks.size }, 'on-demand room started')
    this.pollOne(entry)
  }

  private poll(): void {
    const now = this.now()
    for (const entry of this.entries.values()) {
      if (entry.outcome === 'ours') this.pollOne(entry)
      else if (entry.outcome === 'elsewhere' && now >= entry.recheckAt) {
        entry.recheckAt = Number.POSITIVE_INFINITY
        void this.claim(entry)
      }
    }
  }

  /** Tell clients about phase changes and new errors of a room this node runs. */
  private pollOne(entry: Entry): void {
    const status = this.opts.status(entry.room)
    if (!status) return
    const err = status.lastError
    if (err && err.at !== entry.lastErrorAt) {
      entry.lastErrorAt = err.at
      const final = FINAL_CODES.has(err.code)
      this.fail(entry, err.code, err.message, final)
      if (final) return
    }
    if (status.state !== entry.lastState) {
      entry.lastState = status.state
      this.broadcast(entry, this.statusOf(entry, status.state))
    }
  }

  /** Report an error; a final one stops the room (its clients stay attached, receiving nothing). */
  private fail(entry: Entry, code: ErrorCode, message: string, final: boolean): void {
    this.broadcast(entry, { type: 'error', platform: entry.room.platform, room: entry.room.key, code, message, final, timestamp: this.now() })
    if (!final) return
    const wasOurs = entry.outcome === 'ours'
    entry.outcome = 'gone'
    this.entries.delete(formatRoomKey(entry.room))
    clearTimeout(entry.idle)
    if (wasOurs) void this.opts.leases.releaseOnDemand(entry.room).catch((e) => this.opts.log.warn({ err: e }, 'could not release an on-demand room'))
  }

  private scheduleRelease(entry: Entry): void {
    clearTimeout(entry.idle)
    entry.idle = setTimeout(() => {
      if (entry.sinks.size > 0) return
      const id = formatRoomKey(entry.room)
      if (this.entries.get(id) === entry) this.entries.delete(id)
      const wasOurs = entry.outcome === 'ours'
      entry.outcome = 'gone'
      if (!wasOurs) return
      this.opts.log.info({ room: id, idleMs: this.opts.idleMs }, 'on-demand room has had no clients; stopping it')
      void this.opts.leases.releaseOnDemand(entry.room).catch((err) => this.opts.log.warn({ err, room: id }, 'could not release an on-demand room'))
    }, this.opts.idleMs)
    entry.idle.unref?.()
  }

  private statusOf(entry: Entry, state: RoomState | 'elsewhere'): RoomProgress {
    const progress: RoomProgress = { type: 'status', platform: entry.room.platform, room: entry.room.key, state, timestamp: this.now() }
    const longId = entry.room.platform === 'bilibili' ? this.opts.status(entry.room)?.info.roomId : undefined
    if (longId !== undefined && longId !== entry.room.key) progress.eventRoom = longId
    return progress
  }

  private broadcast(entry: Entry, progress: RoomProgress): void {
    for (const sink of entry.sinks) this.send(sink, progress)
  }

  private send(sink: ProgressSink, progress: RoomProgress): void {
    try {
      sink.notify(progress)
    } catch (err) {
      this.opts.log.warn({ err }, 'could not send room progress to a client')
    }
  }
}
