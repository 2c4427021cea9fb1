import type { Platform } from '../../events'
import type { RoomProgress } from '../../rooms/on-demand'

/**
 * Starting a room is a write: it opens an upstream connection under lef's IP. Only AUTH_KEY
 * holders may, and nobody may while AUTH_KEY is unset. The client keeps its stream either way.
 */
export function startRefusal(authKeySet: boolean): string {
  return authKeySet
    ? 'not started on demand: starting rooms needs a client that presents AUTH_KEY (events of rooms lef already watches still arrive)'
    : 'not started on demand: starting rooms is disabled while AUTH_KEY is unset (events of rooms lef already watches still arrive)'
}

/** One error per asked room, in the shape on-demand progress errors already have. */
export function refusedRooms(rooms: ReadonlyArray<{ platform: Platform; room: string }>, message: string, now: number): RoomProgress[] {
  return rooms.map((r) => ({ type: 'error', platform: r.platform, room: r.room, code: 'FORBIDDEN', message, final: true, timestamp: now }))
}
