import { createHash } from 'node:crypto'
import type { Platform } from './platform'

/** Hashed origins have this bit set: they sit above every numeric room id in use on either platform. */
const HASHED_FLOOR = 2 ** 52

/**
 * The `origin` LAPLACE clients match a room on, and `/info` lists as its `roomId`: the room's own
 * number where it is a positive safe integer (Bilibili long room id, a Douyin web_rid), else a
 * number derived from `platform:room` (TikTok uniqueIds; web_rids past 2^53). The derived number
 * is 2^52 plus 52 bits of the key's SHA-256: stable across nodes and restarts, never 0, at most
 * 2^53 − 1, and clear of real room ids.
 */
export function roomOrigin(platform: Platform, room: string): number {
  if (platform !== 'tiktok' && /^[1-9]\d{0,15}$/.test(room)) {
    const n = Number(room)
    if (Number.isSafeInteger(n)) return n
  }
  return hashedOrigin(`${platform}:${room}`)
}

function hashedOrigin(key: string): number {
  const digest = createHash('sha256').update(key).digest()
  // 52 bits: the top 4 bytes' 32 bits times 2^20, plus the next 20 bits.
  const high = digest.readUInt32BE(0)
  const low = digest.readUInt32BE(4) >>> 12
  return HASHED_FLOOR + high * 2 ** 20 + low
}
