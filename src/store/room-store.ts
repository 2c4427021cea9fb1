import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { formatRoomKey, type Platform, type RoomKey } from '../events'
import type { RoomStatus } from '../rooms/room-status'
import type { Drizzle } from './db'
import { ROOM_CHANGE_CHANNEL } from './room-change-feed'
import { rooms, type RoomRow } from './schema'

/** A room as the operator API and the dashboard show it. */
export interface RoomRecord {
  id: string
  platform: Platform
  key: string
  label: string | null
  enabled: boolean
  onDemand: boolean
  addedAt: number
  updatedAt: number
  holder: string | null
  /** ms since epoch; null when nobody holds it. */
  leaseExpiresAt: number | null
  status: RoomStatus | null
}

/** A room this node could take: nobody holds it, its lease ran out, or it is already ours. */
export interface ClaimCandidate {
  id: string
  platform: Platform
  key: string
  holder: string | null
  /** How long it has been without a live lease (ms, database clock); 0 when it is ours. */
  freeForMs: number
}

export interface RoomPatch {
  label?: string | null
  enabled?: boolean
}

/** The database time a lease taken now ends. */
const leaseUntil = (ttlMs: number) => sql`now() + (${Math.max(1, Math.round(ttlMs))} * interval '1 millisecond')`

function toRecord(r: RoomRow): RoomRecord {
  return {
    id: r.id,
    platform: r.platform as Platform,
    key: r.key,
    label: r.label,
    enabled: r.enabled,
    onDemand: r.onDemand,
    addedAt: r.addedAt,
    updatedAt: r.updatedAt,
    holder: r.holder,
    leaseExpiresAt: r.leaseExpires ? r.leaseExpires.getTime() : null,
    status: r.status ?? null,
  }
}

/** Rows of a raw `execute`: postgres.js returns an array, PGlite `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}

/**
 * The `rooms` table: operator CRUD and the lease queries. Every lease change is one
 * conditional UPDATE, so two nodes racing for a room cannot both win it.
 */
export class RoomStore {
  constructor(private readonly db: Drizzle) {}

  /** Every room, in the order of order(). */
  async list(): Promise<RoomRecord[]> {
    const rows = await this.db.select().from(rooms).orderBy(asc(rooms.addedAt), asc(rooms.id))
    return rows.map(toRecord)
  }

  /**
   * Every room's id in the one order all nodes agree on: added_at, then id. `/info` lists rooms
   * in it and `originIdx` is a room's place in it.
   */
  async order(): Promise<string[]> {
    const rows = await this.db.select({ id: rooms.id }).from(rooms).orderBy(asc(rooms.addedAt), asc(rooms.id))
    return rows.map((r) => r.id)
  }

  async get(room: RoomKey): Promise<RoomRecord | undefined> {
    const rows = await this.db.select().from(rooms).where(eq(rooms.id, formatRoomKey(room))).limit(1)
    return rows[0] ? toRecord(rows[0]) : undefined
  }

  /**
   * Add a room. An existing on-demand row becomes a permanent one (the operator wants it kept);
   * any other existing row is left alone and `created` is false.
   */
  async add(
    room: RoomKey,
    opts: { label?: string | null; enabled?: boolean; now: number; lease?: { holder: string; ttlMs: number } },
  ): Promise<{ created: boolean; room: RoomRecord }> {
    const id = formatRoomKey(room)
    const enabled = opts.enabled ?? true
    // The node the operator asked takes the lease with the insert, so no other node races it.
    const lease = enabled && opts.lease ? { holder: opts.lease.holder, leaseExpires: leaseUntil(opts.lease.ttlMs) } : {}
    const inserted = await this.db
      .insert(rooms)
      .values({ id, platform: room.platform, key: room.key, label: opts.label ?? null, enabled, addedAt: opts.now, updatedAt: opts.now, ...lease })
      .onConflictDoNothing()
      .returning()
    if (inserted[0]) return { created: true, room: toRecord(inserted[0]) }
    const promoted = await this.db
      .update(rooms)
      .set({ onDemand: false, label: opts.label ?? sql`${rooms.label}`, updatedAt: opts.now })
      .where(and(eq(rooms.id, id), eq(rooms.onDemand, true)))
      .returning()
    if (promoted[0]) return { created: true, room: toRecord(promoted[0]) }
    const existing = await this.get(room)
    if (!existing) throw new Error(`room ${id} vanished while being added`)
    return { created: false, room: existing }
  }

  /** Insert `ROOMS` entries that are missing; never touches existing rows (a disabled room stays disabled). */
  async seed(list: readonly RoomKey[], now: number): Promise<number> {
    if (list.length === 0) return 0
    const values = list.map((room, i) => ({
      id: formatRoomKey(room), platform: room.platform, key: room.key, enabled: true,
      // Seed order is kept in added_at so listings follow ROOMS.
      addedAt: now + i, updatedAt: now,
    }))
    const inserted = await this.db.insert(rooms).values(values).onConflictDoNothing().returning({ id: rooms.id })
    return inserted.length
  }

  async update(room: RoomKey, patch: RoomPatch, now: number): Promise<RoomRecord | undefined> {
    const set: Partial<typeof rooms.$inferInsert> = { updatedAt: now }
    if (patch.label !== undefined) set.label = patch.label
    if (patch.enabled !== undefined) {
      set.enabled = patch.enabled
      // An operator's decision makes the room permanent.
      set.onDemand = false
    }
    const rows = await this.db.update(rooms).set(set).where(eq(rooms.id, formatRoomKey(room))).returning()
    return rows[0] ? toRecord(rows[0]) : undefined
  }

  async remove(room: RoomKey): Promise<boolean> {
    const rows = await this.db.delete(rooms).where(eq(rooms.id, formatRoomKey(room))).returning({ id: rooms.id })
    return rows.length > 0
  }

  /** Remove an on-demand room this node holds (its last client left). */
  async removeOnDemand(room: RoomKey, holder: string): Promise<boolean> {
    const rows = await this.db
      .delete(rooms)
      .where(and(eq(rooms.id, formatRoomKey(room)), eq(rooms.onDemand, true), eq(rooms.holder, holder)))
      .returning({ id: rooms.id })
    return rows.length > 0
  }

  /**
   * Take an on-demand room for `holder`: insert it, or take over a row nobody holds. Answers
   * what the row is now: ours, someone else's live lease, or switched off by the operator.
   */
  async claimOnDemand(room: RoomKey, holder: string, ttlMs: number, now: number): Promise<'ours' | 'held-elsewhere' | 'disabled'> {
    const id = formatRoomKey(room)
    await this.db
      .insert(rooms)
      .values({ id, platform: room.platform, key: room.key, enabled: true, onDemand: true, addedAt: now, updatedAt: now, holder, leaseExpires: leaseUntil(ttlMs) })
      .onConflictDoNothing()
    const taken = await this.db
      .update(rooms)
      .set({ holder, leaseExpires: leaseUntil(ttlMs) })
      .where(and(eq(rooms.id, id), eq(rooms.enabled, true), this.free(holder)))
      .returning({ id: rooms.id })
    if (taken.length > 0) return 'ours'
    const row = await this.get(room)
    if (!row) return 'held-elsewhere'
    return row.enabled ? 'held-elsewhere' : 'disabled'
  }

  /**
   * Enabled rooms this node could claim. On-demand rooms only go to the node a client asked,
   * through claimOnDemand: one this node held before a restart has no client left to want it.
   */
  async candidates(holder: string): Promise<ClaimCandidate[]> {
    const result = await this.db.execute(sql`
      select id, platform, key, holder,
             case when holder = ${holder} then 0
                  else greatest(0, extract(epoch from (now() - coalesce(lease_expires, to_timestamp(updated_at / 1000.0)))) * 1000)
             end::float8 as free_for_ms
      from rooms
      where enabled and not on_demand and (holder = ${holder} or holder is null or lease_expires is null or lease_expires < now())
      order by added_at, id`)
    return rowsOf<{ id: string; platform: Platform; key: string; holder: string | null; free_for_ms: number | string }>(result).map((r) => ({
      id: r.id, platform: r.platform, key: r.key, holder: r.holder, freeForMs: Number(r.free_for_ms),
    }))
  }

  /** Claim rooms for `holder`; only rooms still free (or already ours) are taken. Returns the ids won. */
  async claim(ids: readonly string[], holder: string, ttlMs: number): Promise<string[]> {
    if (ids.length === 0) return []
    const rows = await this.db
      .update(rooms)
      .set({ holder, leaseExpires: leaseUntil(ttlMs) })
      .where(and(inArray(rooms.id, [...ids]), eq(rooms.enabled, true), this.free(holder)))
      .returning({ id: rooms.id })
    return rows.map((r) => r.id)
  }

  /**
   * Extend the leases of the rooms this node runs and store their status; a room whose lease ran
   * out while no other node took it (this node could not reach the database) is taken back.
   * Returns the ids it holds: a room disabled, deleted or held by another node is missing.
   */
  async renew(holder: string, ttlMs: number, held: ReadonlyArray<{ id: string; status: RoomStatus }>): Promise<string[]> {
    if (held.length === 0) return []
    const result = await this.db.execute(sql`
      update rooms r set holder = ${holder}, lease_expires = ${leaseUntil(ttlMs)}, status = s.status
      from jsonb_to_recordset(${JSON.stringify(held)}::jsonb) as s(id text, status jsonb)
      where r.id = s.id and r.enabled
        and (r.holder = ${holder} or r.holder is null or r.lease_expires is null or r.lease_expires < now())
      returning r.id`)
    return rowsOf<{ id: string }>(result).map((r) => r.id)
  }

  /** Give rooms back (a clean shutdown), so another node takes them at once. */
  async release(holder: string, ids?: readonly string[]): Promise<void> {
    const where: SQL[] = [eq(rooms.holder, holder)]
    if (ids) {
      if (ids.length === 0) return
      where.push(inArray(rooms.id, [...ids]))
    }
    // lease_expires = now(): how long a room has been free is counted from its release.
    await this.db.update(rooms).set({ holder: null, leaseExpires: sql`now()` }).where(and(...where))
    // On-demand rooms exist only for their clients; nobody is left to want them.
    await this.db.delete(rooms).where(and(eq(rooms.onDemand, true), sql`${rooms.holder} is null`))
  }

  /** Tell every node listening (listenForRoomChanges) that a room changed. */
  async notifyChange(room: RoomKey): Promise<void> {
    await this.db.execute(sql`select pg_notify(${ROOM_CHANGE_CHANNEL}, ${formatRoomKey(room)})`)
  }

  /** Drop on-demand rows whose holder died (lease expired longer than `graceMs` ago). */
  async sweepOnDemand(graceMs: number): Promise<number> {
    const rows = await this.db
      .delete(rooms)
      .where(and(eq(rooms.onDemand, true), sql`${rooms.leaseExpires} < now() - (${graceMs} * interval '1 millisecond')`))
      .returning({ id: rooms.id })
    return rows.length
  }

  private free(holder: string): SQL {
    return sql`(${rooms.holder} is null or ${rooms.holder} = ${holder} or ${rooms.leaseExpires} is null or ${rooms.leaseExpires} < now())`
  }
}
