import { createMessageStats, type DouyinMessageStats } from './normalize/dispatch'

/** Connection-level counters of one connector (all its rooms). Plain object, read any time. */
export interface DouyinStats {
  connects: number
  handshakesRefused: number
  frames: number
  /** Frames that could not be decoded (logged and skipped). */
  frameErrors: number
  heartbeatsSent: number
  acksSent: number
  messages: DouyinMessageStats
}

export function createDouyinStats(): DouyinStats {
  return { connects: 0, handshakesRefused: 0, frames: 0, frameErrors: 0, heartbeatsSent: 0, acksSent: 0, messages: createMessageStats() }
}
