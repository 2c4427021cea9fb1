import { randomUUID } from 'node:crypto'
import { eventId, roomOrigin, type LefEvent, type Platform } from '../events'

export type SystemEvent = Extract<LefEvent, { type: 'system' }>

/**
 * A `system` LaplaceEvent an operator injects into a room's stream (an announcement, "stream
 * starts in 5 minutes"). It travels like a connector's event: bus → bridge, SSE, storage.
 * `originIdx` is the room's index in `/info`'s list, as a connector's events carry it.
 */
export function operatorMessage(room: { platform: Platform; room: string }, message: string, username: string, now: number, originIdx = 0): SystemEvent {
  return {
    type: 'system',
    // Never seen upstream, so nothing to derive it from: a random id, marked as the operator's.
    id: eventId(room.platform, 'operator', randomUUID()),
    uid: 0,
    username,
    message,
    origin: roomOrigin(room.platform, room.room),
    originIdx,
    timestamp: now,
    timestampNormalized: now,
    read: false,
    platform: room.platform,
    room: room.room,
  }
}

