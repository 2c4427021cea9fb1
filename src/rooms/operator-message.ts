import { randomUUID } from 'node:crypto'
import { eventId, type LefEvent, type Platform } from '../events'

export type SystemEvent = Extract<LefEvent, { type: 'system' }>

/**
 * A `system` LaplaceEvent an operator injects into a room's stream (an announcement, "stream
 * starts in 5 minutes"). It travels like a connector's event: bus → bridge, SSE, storage.
 */
export function operatorMessage(room: { platform: Platform; room: string }, message: string, username: string, now: number): SystemEvent {
  return {
    type: 'system',
    // Never seen upstream, so nothing to derive it from: a random id, marked as the operator's.
    id: eventId(room.platform, 'operator', randomUUID()),
    uid: 0,
    username,
    message,
    origin: originOf(room),
    originIdx: 0,
    timestamp: now,
    timestampNormalized: now,
    read: false,
    platform: room.platform,
    room: room.room,
  }
}

/** The `origin` LAPLACE Chat matches on: the numeric room id where it is a safe integer, else 0 (TikTok). */
function originOf(room: { platform: Platform; room: string }): number {
  if (room.platform === 'tiktok') return 0
  const n = Number(room.room)
  return Number.isSafeInteger(n) ? n : 0
}
