import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { AuthFailLimiter } from './auth-fail-limit'
import type { EventBus } from '../bus/event-bus'
import type { Env } from '../config'
import type { RoomRegistry } from '../rooms/room-registry'
import type { RoomDirectory } from '../rooms/room-status'
import type { Database } from '../store/db'
import type { Readiness } from '../store/db-readiness'
import type { EventStore } from '../store/event-store'
import type { EventWriter } from '../store/event-writer'

/** What the HTTP layer needs; the composition root (src/app.ts) supplies it. */
export interface HttpDeps {
  config: Env
  log: Logger
  database: Database
  store: EventStore
  writer: EventWriter
  bus: EventBus
  rooms: RoomDirectory
  /** Present when REDIS_URL is set: `/ping` checks it. */
  redis?: { ping(): Promise<unknown> }
  version: string
  startedAt: number
  /** Connected WebSocket bridge clients (0 when the bridge is off). */
  bridgeClients(): number
  /** Request telemetry (OpenTelemetry spans, Sentry 5xx reports), run before everything else. */
  middleware?: MiddlewareHandler[]
  /** Start-up's progress: until ready, `/ping` and routes that need the database answer 503. Absent = always ready. */
  readiness?: Readiness
  /** Counts wrong keys per client address (AUTH_FAIL_LIMIT); absent = no limit. */
  authFailures?: AuthFailLimiter
  /** Rooms in the database (`/rooms`, operator messages, dashboard); absent on nodes built without it. */
  operator?: { registry: RoomRegistry }
}
