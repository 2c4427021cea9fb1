import type { Logger } from 'pino'
import { formatRoomKey, type RoomKey } from '../events'
import type { ClaimCandidate, RoomStore } from '../store/room-store'
import type { RoomStatus } from './room-status'

/** The part of RoomManager the lease keeper drives. */
export interface Supervisors {
  add(room: RoomKey): { status: RoomStatus }
  remove(room: RoomKey): Promise<boolean>
  get(room: RoomKey): { status: RoomStatus } | undefined
}

export type LeaseStore = Pick<RoomStore, 'candidates' | 'claim' | 'renew' | 'release' | 'claimOnDemand' | 'removeOnDemand' | 'sweepOnDemand'>

export interface LeaseKeeperOptions {
  store: LeaseStore
  supervisors: Supervisors
  /** This node's id, written into the rows it holds. */
  nodeId: string
  /** ROOM_LEASE_TTL: a lease not renewed for this long is free for any node. */
  ttlMs: number
  /**
   * Rooms this node should rather leave to another (sharding): it takes one only after it has
   * had no holder for `foreignGraceMs`, so the preferred node gets it first.
   */
  prefers?: (room: RoomKey) => boolean
  foreignGraceMs?: number
  /**
   * ROOMS_PER_NODE: most rooms this node claims (0 or absent = no limit). Platforms' risk
   * control counts connections per IP; with a cap, adding nodes spreads the rooms.
   */
  maxRooms?: number
  /**
   * The rooms' `/info` order (RoomOrder). Re-read every round, after the claims and before the
   * rooms won start, so a room's first event already carries its index.
   */
  order?: { refresh(): Promise<void> }
  /**
   * Where the rooms this node holds are remembered between runs (held-rooms.json in DATA_DIR),
   * so a restart reconnects them before the database answers.
   */
  memory?: { load(): RoomKey[]; save(rooms: readonly RoomKey[]): void }
  log: Logger
  now?: () => number
}

interface Held {
  room: RoomKey
  /** Started for a client (ON_DEMAND_ROOMS): not remembered across restarts, its clients are gone. */
  onDemand: boolean
}

/**
 * Keeps this node's share of the `rooms` table connected: every TTL/3 it renews the leases
 * of the rooms it runs (taking back one whose lease ran out while nobody else took it), stops
 * the rooms it is seen to have lost (disabled, deleted, or held by another node), then claims
 * rooms that have no live lease. Availability comes before exclusivity: a round that fails or
 * hangs (the database is down) stops nothing, because a room without a socket loses gifts for
 * good while two nodes briefly on one room only store the same ids twice, which dedupes.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>()
  private readonly now: () => number
  private readonly intervalMs: number
  private timer: ReturnType<typeof setTimeout> | undefined
  private chain: Promise<void> = Promise.resolve()
  private queued: Promise<void> | undefined
  private stopped = false
  private ticks = 0

  constructor(private readonly opts: LeaseKeeperOptions) {
    this.now = opts.now ?? Date.now
    this.intervalMs = Math.max(50, Math.floor(opts.ttlMs / 3))
  }

  get nodeId(): string {
    return this.opts.nodeId
  }

  get ttlMs(): number {
    return this.opts.ttlMs
  }

  /** Ids (`platform:key`) of the rooms this node runs now. */
  heldIds(): string[] {
    return [...this.held.keys()]
  }

  holds(room: RoomKey): boolean {
    return this.held.has(formatRoomKey(room))
  }

  /** Whether this node is below ROOMS_PER_NODE and may take another room. */
  hasCapacity(): boolean {
    return !this.opts.maxRooms || this.held.size < this.opts.maxRooms
  }

  /**
   * Reconnect the rooms this node held when it last ran (the memory file), without asking the
   * database: call once the HTTP port is bound, before the database is open. The first round
   * then renews or stops each.
   */
  resume(): RoomKey[] {
    if (this.stopped || !this.opts.memory) return []
    const rooms = this.opts.memory.load().filter((room) => !this.held.has(formatRoomKey(room)))
    for (const room of rooms) this.startRoom(room)
    if (rooms.length > 0) this.opts.log.info({ rooms: rooms.map(formatRoomKey) }, 'reconnecting the rooms this node held before its restart')
    return rooms
  }

  /** First claim now (so start-up returns with rooms running), then every TTL/3. */
  async start(): Promise<void> {
    await this.poke()
    this.schedule()
  }

  /**
   * Run a renew-and-claim round soon and wait for it. Calls made while a round is queued share
   * it, so a burst of API calls costs one round.
   */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.queued ??= this.chain.then(() => {
      this.queued = undefined
      return this.tick()
    })
    this.chain = this.queued
    return this.queued
  }

  /**
   * Take a room for a client that asked for it (ON_DEMAND_ROOMS). `ours`: this node now runs
   * it; `held-elsewhere`: another node does (its events arrive through the bus); `disabled`:
   * the operator switched it off.
   */
  async claimOnDemand(room: RoomKey): Promise<'ours' | 'held-elsewhere' | 'disabled'> {
    const id = formatRoomKey(room)
    if (this.held.has(id)) return 'ours'
    const t0 = this.now()
    const verdict = await this.opts.store.claimOnDemand(room, this.opts.nodeId, this.opts.ttlMs, t0)
    if (verdict === 'ours') await this.opts.order?.refresh()
    if (verdict === 'ours' && !this.held.has(id) && !this.stopped) this.startRoom(room, true)
    return verdict
  }

  /** The last client of an on-demand room left long enough ago: stop it and drop its row. */
  async releaseOnDemand(room: RoomKey): Promise<void> {
    const removed = await this.opts.store.removeOnDemand(room, this.opts.nodeId)
    // A row that is no longer on-demand (an operator added the room meanwhile) keeps running.
    if (removed) await this.stopRoom(formatRoomKey(room), 'on-demand room has no clients left')
  }

  /**
   * Stop. `release: true` (a clean shutdown) hands the leases back so another node takes the
   * rooms at once; `release: false` leaves them to expire, as a crash would.
   */
  async stop(opts: { release: boolean }): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    // A hung database must not hang shutdown: leases expire by themselves.
    await within(this.chain.catch(() => {}), this.opts.ttlMs)
    const ids = this.heldIds()
    await Promise.all(ids.map((id) => this.stopRoom(id, 'node stopping')))
    if (opts.release) {
      const released = this.opts.store.release(this.opts.nodeId, ids).then(
        () => true,
        (err) => {
          this.opts.log.warn({ err }, 'could not release room leases; they expire on their own')
          return true
        },
      )
      if (!(await within(released, this.opts.ttlMs))) this.opts.log.warn('releasing room leases timed out; they expire on their own')
    }
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.poke().finally(() => this.schedule())
    }, this.intervalMs)
    this.timer.unref?.()
  }

  private async tick(): Promise<void> {
    if (this.stopped) return
    this.ticks++
    const round = this.round()
    // A database that hangs must not hold up the next rounds; the late round finishes harmlessly.
    if (!(await within(round, Math.max(this.opts.ttlMs, 1000)))) {
      this.opts.log.warn({ held: this.held.size }, 'room lease round timed out (database not answering); rooms stay connected')
    }
  }

  private async round(): Promise<void> {
    try {
      await this.renew()
      const won = await this.claim()
      // Every round, won or not: rooms added or removed through other nodes shift indexes.
      await this.opts.order?.refresh()
      for (const room of won) if (!this.stopped) this.startRoom(room)
      if (this.ticks % 10 === 0) await this.opts.store.sweepOnDemand(this.opts.ttlMs)
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message, held: this.held.size }, 'room lease round failed; rooms stay connected')
    }
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return
    const snapshot = [...this.held.entries()].map(([id, h]) => ({ id, status: this.opts.supervisors.get(h.room)?.status ?? idleStatus(h.room) }))
    const kept = new Set(await this.opts.store.renew(this.opts.nodeId, this.opts.ttlMs, snapshot))
    const lost = snapshot.map((h) => h.id).filter((id) => !kept.has(id) && this.held.has(id))
    // Together, not one after another: a session slow to stop must not hold up the next renewal.
    await Promise.all(lost.map((id) => this.stopRoom(id, 'lease lost: the room was disabled, deleted or is held by another node')))
  }

  /** Claim free rooms; answers the rooms won, for the caller to start. */
  private async claim(): Promise<RoomKey[]> {
    const candidates = await this.opts.store.candidates(this.opts.nodeId)
    let wanted = candidates.filter((c) => !this.held.has(c.id) && this.mayTake(c))
    if (this.opts.maxRooms) {
      // Rows this node already holds in the table (an insert by the operator API) come first.
      wanted.sort((x, y) => Number(y.holder === this.opts.nodeId) - Number(x.holder === this.opts.nodeId))
      wanted = wanted.slice(0, Math.max(0, this.opts.maxRooms - this.held.size))
    }
    if (wanted.length === 0) return []
    const won = new Set(await this.opts.store.claim(wanted.map((c) => c.id), this.opts.nodeId, this.opts.ttlMs))
    return wanted.filter((c) => won.has(c.id)).map((c) => ({ platform: c.platform, key: c.key }))
  }

  private mayTake(c: ClaimCandidate): boolean {
    const room = { platform: c.platform, key: c.key }
    if (!this.opts.prefers || this.opts.prefers(room)) return true
    return c.freeForMs >= (this.opts.foreignGraceMs ?? this.opts.ttlMs * 2)
  }

  private startRoom(room: RoomKey, onDemand = false): void {
    const id = formatRoomKey(room)
    try {
      this.opts.supervisors.add(room)
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, room: id }, 'cannot start room')
      return
    }
    this.held.set(id, { room, onDemand })
    this.remember()
    this.opts.log.info({ room: id, node: this.opts.nodeId }, 'room lease taken; connecting')
  }

  private remember(): void {
    // A stopping node keeps its list: the next start reconnects those rooms at once.
    if (!this.stopped) this.opts.memory?.save([...this.held.values()].filter((h) => !h.onDemand).map((h) => h.room))
  }

  private async stopRoom(id: string, why: string): Promise<void> {
    const h = this.held.get(id)
    if (!h) return
    this.held.delete(id)
    this.remember()
    this.opts.log.info({ room: id, why }, 'stopping room')
    await this.opts.supervisors.remove(h.room)
  }
}

/** Wait for `p`, at most `ms`; true when it settled in time. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([p.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}

function idleStatus(room: RoomKey): RoomStatus {
  return { platform: room.platform, key: room.key, state: 'idle', info: {}, lastError: null, connectedAt: null, lastEventAt: null, events: 0, reconnects: 0 }
}
