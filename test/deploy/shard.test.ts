import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { ConfigError, parseEnv } from '../../src/config'
import { parseRoomList, type RoomKey } from '../../src/events'
import { ordinalFromHostname, parseShardSetting, resolveShard, roomsForShard, shardOf, ShardConfigError } from '../../src/rooms/shard'
import { startApp, type AppOptions } from '../../src/app'
import { silentLog } from '../support/app'

function startShardedApp(env: Record<string, string>, opts: AppOptions) {
  const config = parseEnv({ PORT: '0', HOST: '127.0.0.1', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', ...env })
  return startApp(config, { inMemoryDatabase: true, log: silentLog, ...opts })
}

const ROOMS = parseRoomList(
  '456117,bilibili:21452505,bilibili:7734200,bilibili:545068,douyin:646454278948,douyin:80017709309,tiktok:@lightfairy.ch,tiktok:@someone_else,bilibili:22637261,bilibili:1',
)

const roomArb = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 40 }).map((n): RoomKey => ({ platform: 'bilibili', key: String(n) })),
  fc.stringMatching(/^[0-9]{6,14}$/).map((k): RoomKey => ({ platform: 'douyin', key: k })),
  fc.stringMatching(/^[a-z0-9_.]{1,24}$/).map((k): RoomKey => ({ platform: 'tiktok', key: k })),
)

describe('shardOf / roomsForShard', () => {
  test('every room lands on exactly one shard, for every count', () => {
    for (const count of [1, 2, 3, 4, 7]) {
      const shares = Array.from({ length: count }, (_, index) => roomsForShard(ROOMS, { index, count }))
      const all = shares.flat().map((r) => `${r.platform}:${r.key}`)
      expect(all.length).toBe(ROOMS.length)
      expect(new Set(all).size).toBe(ROOMS.length)
    }
  })

  test('the split is a fixed function of the room key (pinned values)', () => {
    // Pinned so a change of the hash (which would move rooms between replicas on upgrade) fails here.
    expect(ROOMS.map((r) => shardOf(r, 3))).toEqual(PINNED_3)
    expect(shardOf({ platform: 'bilibili', key: '456117' }, 1)).toBe(0)
  })

  test('same room, same count → same shard; shard is below count', () => {
    fc.assert(
      fc.property(roomArb, fc.integer({ min: 1, max: 16 }), (room, count) => {
        const s = shardOf(room, count)
        expect(s).toBeGreaterThanOrEqual(0)
        expect(s).toBeLessThan(count)
        expect(shardOf({ ...room }, count)).toBe(s)
      }),
    )
  })

  test('adding a replica only moves rooms onto the new replica', () => {
    fc.assert(
      fc.property(roomArb, fc.integer({ min: 1, max: 15 }), (room, count) => {
        const before = shardOf(room, count)
        const after = shardOf(room, count + 1)
        expect(after === before || after === count).toBe(true)
      }),
    )
  })

  test('rooms spread over the shards (no shard gets everything)', () => {
    const many = Array.from({ length: 3000 }, (_, i): RoomKey => ({ platform: 'bilibili', key: String(1000 + i) }))
    const sizes = [0, 1, 2].map((index) => roomsForShard(many, { index, count: 3 }).length)
    for (const n of sizes) {
      expect(n).toBeGreaterThan(850)
      expect(n).toBeLessThan(1150)
    }
  })

  test('keeps the configured order and returns everything without a shard', () => {
    expect(roomsForShard(ROOMS, undefined)).toEqual(ROOMS)
    const mine = roomsForShard(ROOMS, { index: 1, count: 3 })
    const positions = mine.map((r) => ROOMS.indexOf(r))
    expect(positions).toEqual([...positions].sort((a, b) => a - b))
  })
})

describe('ROOMS_SHARD setting', () => {
  test('parses off, auto, index and index/count', () => {
    expect(parseShardSetting('')).toEqual({ mode: 'off' })
    expect(parseShardSetting('OFF')).toEqual({ mode: 'off' })
    expect(parseShardSetting(' auto ')).toEqual({ mode: 'auto' })
    expect(parseShardSetting('2')).toEqual({ mode: 'index', index: 2 })
    expect(parseShardSetting('1/3')).toEqual({ mode: 'index', index: 1, count: 3 })
    expect(() => parseShardSetting('3/3')).toThrow('must be below the count 3')
    expect(() => parseShardSetting('0/0')).toThrow('at least 1')
    expect(() => parseShardSetting('lef-1')).toThrow(ShardConfigError)
  })

  test('ordinal from a StatefulSet hostname', () => {
    expect(ordinalFromHostname('lef-0')).toBe(0)
    expect(ordinalFromHostname('lef-12')).toBe(12)
    expect(ordinalFromHostname('my-lef-release-3')).toBe(3)
    expect(ordinalFromHostname('lef-7d9f8b-x2kq')).toBeUndefined()
    expect(ordinalFromHostname('laptop')).toBeUndefined()
  })

  test('resolves auto from the hostname and checks it against ROOMS_SHARDS', () => {
    expect(resolveShard({ mode: 'off' }, 3, 'lef-1')).toBeUndefined()
    expect(resolveShard({ mode: 'auto' }, 3, 'lef-2')).toEqual({ index: 2, count: 3 })
    expect(resolveShard({ mode: 'index', index: 1, count: 2 }, undefined, 'x')).toEqual({ index: 1, count: 2 })
    expect(resolveShard({ mode: 'index', index: 0 }, 4, 'x')).toEqual({ index: 0, count: 4 })
    expect(() => resolveShard({ mode: 'auto' }, undefined, 'lef-0')).toThrow('ROOMS_SHARDS')
    expect(() => resolveShard({ mode: 'auto' }, 3, 'lef-3')).toThrow('not below ROOMS_SHARDS=3')
    expect(() => resolveShard({ mode: 'auto' }, 3, 'laptop')).toThrow('"laptop"')
    expect(() => resolveShard({ mode: 'index', index: 0, count: 2 }, 3, 'x')).toThrow('says 2 shards but ROOMS_SHARDS says 3')
  })

  test('the config schema parses it and names the variable on a bad value', () => {
    const env = parseEnv({ ROOMS_SHARD: 'auto', ROOMS_SHARDS: '3' })
    expect(env.ROOMS_SHARD).toEqual({ mode: 'auto' })
    expect(env.ROOMS_SHARDS).toBe(3)
    expect(parseEnv({}).ROOMS_SHARD).toEqual({ mode: 'off' })
    expect(parseEnv({}).ROOMS_SHARDS).toBeUndefined()
    try {
      parseEnv({ ROOMS_SHARD: 'first', ROOMS_SHARDS: '0' })
      throw new Error('expected a ConfigError')
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      const problems = (err as ConfigError).problems
      expect(problems.some((p) => p.startsWith('ROOMS_SHARD: must be "auto"'))).toBe(true)
      expect(problems.some((p) => p.startsWith('ROOMS_SHARDS: must be between 1 and 100000'))).toBe(true)
    }
  })
})

describe('startApp applies the shard', () => {
  test('a replica supervises only its share of ROOMS', async () => {
    const rooms = ROOMS.filter((r) => r.platform === 'bilibili')
    const roomsEnv = rooms.map((r) => `bilibili:${r.key}`).join(',')
    const expected = roomsForShard(rooms, { index: 1, count: 2 }).map((r) => r.key)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(rooms.length)
    // A connector that never connects: the rooms stay in `resolving`, nothing leaves the machine.
    const idle = {
      platform: 'bilibili' as const,
      idleTimeoutMs: 600_000,
      session: (_room: RoomKey, _hooks: unknown, signal: AbortSignal) =>
        new Promise<{ kind: 'aborted' }>((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true })),
    }
    const app = await startShardedApp({ ROOMS: roomsEnv, ROOMS_SHARD: 'auto', ROOMS_SHARDS: '2' }, { hostname: 'lef-1', connectors: { bilibili: idle } })
    try {
      expect(app.rooms.list().map((s) => s.key)).toEqual(expected)
    } finally {
      await app.stop()
    }
  })

  test('a shard index the replica count cannot hold stops start-up with a ConfigError', async () => {
    await expect(startShardedApp({ ROOMS: '1', ROOMS_SHARD: 'auto', ROOMS_SHARDS: '2' }, { hostname: 'lef-5' })).rejects.toThrow(
      'ROOMS_SHARD: shard 5 is not below ROOMS_SHARDS=2',
    )
  })
})

const PINNED_3 = [1, 2, 1, 1, 2, 0, 2, 0, 2, 1]
