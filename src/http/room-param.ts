import { parseRoomKey, RoomFormError, type Platform } from '../events'
import type { RoomDirectory } from '../rooms/room-status'
import { ApiError } from './api-error'

/**
 * A room as a URL names it, in any `ROOMS` form, mapped to the key events are stored under.
 * A Bilibili short id maps to its long id when a connected room reported the pair.
 */
export function resolveRoomParam(input: string, rooms: RoomDirectory): { platform: Platform; room: string } {
  let parsed
  try {
    parsed = parseRoomKey(decodeURIComponent(input))
  } catch (err) {
    if (err instanceof RoomFormError || err instanceof URIError) throw new ApiError(400, `Unknown room form: ${err.message}`)
    throw err
  }
  if (parsed.platform === 'bilibili') {
    for (const r of rooms.list()) {
      if (r.platform !== 'bilibili') continue
      if (r.key === parsed.key || String(r.info.shortRoomId ?? '') === parsed.key) {
        return { platform: 'bilibili', room: r.info.roomId ?? r.key }
      }
    }
  }
  return { platform: parsed.platform, room: parsed.key }
}
