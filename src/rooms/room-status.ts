import type { Platform } from '../events'
import type { ConnectorErrorCode, RoomInfo, SessionPhase } from '../platforms/connector'

/** Where a room's supervisor is in its life. */
export type RoomState =
  | 'idle' // configured, not started
  | SessionPhase // resolving | signing | connecting | connected
  | 'offline' // the room is not live; waiting to check again
  | 'backoff' // a session failed; waiting to retry
  | 'stopped'

export interface RoomStatus {
  platform: Platform
  /** The key as configured (Bilibili short ids stay short here). */
  key: string
  state: RoomState
  info: Partial<RoomInfo>
  /** The last error, if the room is failing: code and a message safe to show. */
  lastError: { code: ConnectorErrorCode | 'UNKNOWN'; message: string; at: number } | null
  connectedAt: number | null
  lastEventAt: number | null
  events: number
  reconnects: number
}

/** Read-only view of the rooms this node runs: `/metrics` and the dashboard read it (`/info` too, on nodes without the rooms table). */
export interface RoomDirectory {
  list(): RoomStatus[]
}
