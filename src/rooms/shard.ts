import { createHash } from 'node:crypto'
import { formatRoomKey, type RoomKey } from '../events'

/**
 * Splitting rooms across several replicas (a Kubernetes StatefulSet `lef-0`, `lef-1`, …): every
 * replica sees the same rooms and `shardOf` names the one that should run each. Each room lands on
 * exactly one shard, and always the same one for a given shard count. (The room leases use it as
 * a preference, so a dead replica's rooms can still be taken over by the others.)
 *
 * Rendezvous (highest-random-weight) hashing rather than `hash % count`: when the replica
 * count changes, only the rooms that must move do (about 1/count of them), so scaling does
 * not reconnect every room in the fleet — reconnects are what platforms' risk control notices.
 */

/** Which share of `ROOMS` this process runs. */
export interface Shard {
  /** 0-based ordinal, < count. */
  index: number
  count: number
}

/** `ROOMS_SHARD` as parsed by the config: off, `auto` (ordinal from the hostname), or an explicit index (and maybe count). */
export type ShardSetting = { mode: 'off' } | { mode: 'auto' } | { mode: 'index'; index: number; count?: number }

export class ShardConfigError extends Error {
  override name = 'ShardConfigError'
}

/** Parse `ROOMS_SHARD`: '' / 'off' → off, 'auto', 'N' or 'N/M'. Throws ShardConfigError naming the problem. */
export function parseShardSetting(raw: string): ShardSetting {
  const v = raw.trim().toLowerCase()
  if (v === '' || v === 'off') return { mode: 'off' }
  if (v === 'auto') return { mode: 'auto' }
  const m = /^(\d{1,6})(?:\/(\d{1,6}))?$/.exec(v)
  if (!m) throw new ShardConfigError('must be "auto", an index like "2", or "index/count" like "2/3"')
  const index = Number(m[1])
  if (m[2] === undefined) return { mode: 'index', index }
  const count = Number(m[2])
  if (count < 1) throw new ShardConfigError('the shard count must be at least 1')
  if (index >= count) throw new ShardConfigError(`the index ${index} must be below the count ${count} (indexes start at 0)`)
  return { mode: 'index', index, count }
}

/** The StatefulSet ordinal at the end of a pod hostname: `lef-2` → 2. */
export function ordinalFromHostname(hostname: string): number | undefined {
  const m = /-(\d{1,6})$/.exec(hostname.trim())
  return m ? Number(m[1]) : undefined
}

/**
 * Turn the setting into this process's shard, or undefined when sharding is off.
 * `count` is `ROOMS_SHARDS` (the replica count); `hostname` is the pod's hostname.
 */
export function resolveShard(setting: ShardSetting, count: number | undefined, hostname: string): Shard | undefined {
  if (setting.mode === 'off') return undefined
  const total = setting.mode === 'index' && setting.count !== undefined ? setting.count : count
  if (total === undefined) throw new ShardConfigError('ROOMS_SHARDS (the number of replicas) must be set when ROOMS_SHARD is used')
  if (setting.mode === 'index' && setting.count !== undefined && count !== undefined && count !== setting.count) {
    throw new ShardConfigError(`ROOMS_SHARD says ${setting.count} shards but ROOMS_SHARDS says ${count}`)
  }
  let index: number
  if (setting.mode === 'auto') {
    const ordinal = ordinalFromHostname(hostname)
    if (ordinal === undefined) throw new ShardConfigError(`ROOMS_SHARD=auto needs a hostname ending in -<ordinal> (like lef-2), got "${hostname}"`)
    index = ordinal
  } else {
    index = setting.index
  }
  if (index >= total) throw new ShardConfigError(`shard ${index} is not below ROOMS_SHARDS=${total}: raise ROOMS_SHARDS to the replica count`)
  return { index, count: total }
}

/** The shard (0 ≤ n < count) that runs this room. */
export function shardOf(room: RoomKey, count: number): number {
  const id = formatRoomKey(room)
  let best = 0
  let bestScore = -1n
  for (let i = 0; i < count; i++) {
    const score = createHash('sha256').update(`${id}\n${i}`).digest().readBigUInt64BE(0)
    // Strictly greater: on a (practically impossible) tie the lower ordinal wins on every replica.
    if (score > bestScore) {
      best = i
      bestScore = score
    }
  }
  return best
}

/** This shard's rooms, in their configured order. Without a shard, every room. */
export function roomsForShard(rooms: readonly RoomKey[], shard: Shard | undefined): RoomKey[] {
  if (!shard) return [...rooms]
  return rooms.filter((room) => shardOf(room, shard.count) === shard.index)
}
