import type { Platform } from './platform'

/** A room as configured: which platform, and its stable key on that platform. */
export interface RoomKey {
  platform: Platform
  /** Bilibili room id as given (short or long), Douyin web_rid, TikTok uniqueId without `@`. */
  key: string
}

export class RoomFormError extends Error {
  override name = 'RoomFormError'
}

const BILIBILI_ID = /^[1-9]\d{0,15}$/
const DOUYIN_WEB_RID = /^[A-Za-z0-9_.-]{1,64}$/
// TikTok handles: letters, digits, underscore and period, up to 24 characters.
const TIKTOK_UNIQUE_ID = /^[A-Za-z0-9_.]{1,24}$/

/**
 * Parse one `ROOMS` entry: `123` or `bilibili:123` (Bilibili), `douyin:WEB_RID`,
 * `tiktok:@uniqueId` (the `@` is optional). Throws RoomFormError naming what is wrong.
 */
export function parseRoomKey(input: string): RoomKey {
  const raw = input.trim()
  const colon = raw.indexOf(':')
  const prefix = colon === -1 ? 'bilibili' : raw.slice(0, colon).toLowerCase()
  const rest = colon === -1 ? raw : raw.slice(colon + 1).trim()
  switch (prefix) {
    case 'bilibili':
    case 'bili':
      if (!BILIBILI_ID.test(rest)) throw new RoomFormError(`"${input}" is not a Bilibili room id (a positive number, e.g. 456117 or bilibili:456117)`)
      return { platform: 'bilibili', key: rest }
    case 'douyin':
      if (!DOUYIN_WEB_RID.test(rest)) throw new RoomFormError(`"${input}" is not a Douyin web_rid (the part after live.douyin.com/, e.g. douyin:646454278948)`)
      return { platform: 'douyin', key: rest }
    case 'tiktok': {
      const id = rest.startsWith('@') ? rest.slice(1) : rest
      if (!TIKTOK_UNIQUE_ID.test(id)) throw new RoomFormError(`"${input}" is not a TikTok handle (e.g. tiktok:@username)`)
      return { platform: 'tiktok', key: id }
    }
    default:
      throw new RoomFormError(`"${input}" has an unknown platform "${prefix}" (use bilibili:, douyin: or tiktok:)`)
  }
}

/** Parse a comma-separated `ROOMS` list; empty entries are ignored, duplicates removed. */
export function parseRoomList(input: string): RoomKey[] {
  const seen = new Set<string>()
  const rooms: RoomKey[] = []
  for (const part of input.split(',')) {
    if (part.trim() === '') continue
    const room = parseRoomKey(part)
    const id = formatRoomKey(room)
    if (seen.has(id)) continue
    seen.add(id)
    rooms.push(room)
  }
  return rooms
}

/** The canonical string form: `bilibili:123`, `douyin:abc`, `tiktok:user`. */
export function formatRoomKey(room: RoomKey): string {
  return `${room.platform}:${room.key}`
}
