import type { RoomKey } from '../events'
import type { RoomPatch, RoomRecord, RoomStore } from '../store/room-store'
import type { LeaseKeeper } from './room-lease'
import type { RoomState, RoomStatus } from './room-status'

/** Where a room stands across the fleet, as the operator sees it. */
export type Connection =
  /** A node holds its lease; `state` is that node's supervisor state. */
  | RoomState
  /** Switched off by the operator. */
  | 'disabled'
  /** Enabled, but no node holds a live lease (starting up, or its node died and nobody took it yet). */
  | 'unassigned'

export interface RoomView extends RoomRecord {
  connection: Connection
  /** This node runs it (its status is live, not the last snapshot). */
  here: boolean
}

export interface RoomRegistryOptions {
  store: Pick<RoomStore, 'list' | 'get' | 'add' | 'update' | 'remove' | 'notifyChange'>
  leases: Pick<LeaseKeeper, 'poke' | 'holds' | 'nodeId' | 'ttlMs' | 'hasCapacity'>
  /** This node's live supervisor status of a room it runs. */
  localStatus(room: RoomKey): RoomStatus | undefined
  now?: () => number
}

/**
 * The operator's view of the rooms (`/rooms`, dashboard): the table merged with live status.
 * Every change runs a lease round before answering, so an added room is connecting (and a
 * disabled or deleted one stopped) on this node by the time the API replies; other nodes see
 * the change on their next round.
 */
export class RoomRegistry {
  private readonly now: () => number

  constructor(private readonly opts: RoomRegistryOptions) {
    this.now = opts.now ?? Date.now
  }

  async list(): Promise<RoomView[]> {
    const rows = await this.opts.store.list()
    return rows.map((r) => this.view(r))
  }

  async get(room: RoomKey): Promise<RoomView | undefined> {
    const row = await this.opts.store.get(room)
    return row ? this.view(row) : undefined
  }

  async add(room: RoomKey, opts: { label?: string | null; enabled?: boolean } = {}): Promise<{ created: boolean; room: RoomView }> {
    // This node takes the room with the insert, unless it is full (then any node with room may).
    const lease = this.opts.leases.hasCapacity() ? { holder: this.opts.leases.nodeId, ttlMs: this.opts.leases.ttlMs } : undefined
    const result = await this.opts.store.add(room, { ...opts, now: this.now(), lease })
    if (result.created) await this.changed(room)
    return { created: result.created, room: (await this.get(room)) ?? this.view(result.room) }
  }

  async update(room: RoomKey, patch: RoomPatch): Promise<RoomView | undefined> {
    const row = await this.opts.store.update(room, patch, this.now())
    if (!row) return undefined
    if (patch.enabled !== undefined) await this.changed(room)
    return (await this.get(room)) ?? this.view(row)
  }

  async remove(room: RoomKey): Promise<boolean> {
    const removed = await this.opts.store.remove(room)
    if (removed) await this.changed(room)
    return removed
  }

  /** Other nodes hear of it (a holder elsewhere stops at once); this node runs a round now. */
  private async changed(room: RoomKey): Promise<void> {
    await this.opts.store.notifyChange(room).catch(() => {})
    await this.opts.leases.poke()
  }

  private view(r: RoomRecord): RoomView {
    const room = { platform: r.platform, key: r.key }
    const here = this.opts.leases.holds(room)
    const local = here ? this.opts.localStatus(room) : undefined
    const status = local ?? r.status
    const leaseLive = r.holder !== null && r.leaseExpiresAt !== null && r.leaseExpiresAt > this.now()
    let connection: Connection
    if (!r.enabled) connection = 'disabled'
    else if (here && local) connection = local.state
    else if (leaseLive && status) connection = status.state
    else connection = 'unassigned'
    return { ...r, status: status ?? null, connection, here }
  }
}
