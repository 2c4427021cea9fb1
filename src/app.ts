import type { Server } from 'bun'
import type { Logger } from 'pino'
import { LocalEventBus, type EventBus } from './bus/event-bus'
import type { Env } from './config'
import { createHttpApp } from './http/http-app'
import type { Platform } from './events'
import type { Connector } from './platforms/connector'
import { createConnectors } from './platforms/connectors'
import { RoomManager } from './rooms/room-manager'
import { openDatabase, type Database } from './store/db'
import { EventStore } from './store/event-store'
import { EventWriter } from './store/event-writer'
import { schedulePrune } from './store/prune-job'
import { createLogger } from './telemetry/logger'
import { VERSION } from './version'

export interface AppOptions {
  log?: Logger
  /** PGlite in memory instead of DATA_DIR (tests). */
  inMemoryDatabase?: boolean
  /** Replace platform connectors (tests). */
  connectors?: Partial<Record<Platform, Connector>>
}

export interface App {
  readonly config: Env
  readonly log: Logger
  readonly database: Database
  readonly store: EventStore
  readonly writer: EventWriter
  readonly bus: EventBus
  readonly rooms: RoomManager
  readonly server: Server<unknown>
  /** The base URL the server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string
  stop(): Promise<void>
}

/**
 * The composition root: builds every part from the config and wires them together. Nothing
 * else constructs parts or connects them.
 */
export async function startApp(config: Env, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY })
  const startedAt = Date.now()

  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: opts.inMemoryDatabase ? undefined : config.DATA_DIR,
  })
  const store = new EventStore(database.db)
  const writer = new EventWriter({
    sink: store,
    log: log.child({ part: 'writer' }),
    batchSize: config.WRITER_BATCH_SIZE,
    flushMs: config.WRITER_FLUSH_MS,
    maxBuffer: config.WRITER_MAX_BUFFER,
  })
  const bus = new LocalEventBus((err, event) => log.error({ err, id: event.id, type: event.type }, 'event subscriber failed'))
  const unsubscribeWriter = bus.subscribe((event, delivery) => {
    if (!delivery.stored && delivery.local) writer.write(event)
  })

  const rooms = new RoomManager({
    connectors: { ...createConnectors(config), ...opts.connectors },
    bus,
    log,
    restartWaitMs: config.RESTART_WAIT,
    restartCron: config.RESTART_INTERVAL,
    timezone: config.TZ,
  })
  const http = createHttpApp({
    config, log, database, store, writer, bus, rooms, version: VERSION, startedAt, bridgeClients: () => 0,
  })

  const server = Bun.serve({
    port: config.PORT,
    hostname: config.HOST,
    fetch: (req) => http.fetch(req),
    // Bun's own limit answers a bare 413; ours (readBody) streams and answers with the JSON
    // envelope, so Bun's is set out of the way.
    maxRequestBodySize: 2 ** 32,
  })
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${server.port}`

  rooms.start(config.ROOMS)
  const stopPrune = schedulePrune({ store, keepHours: config.EVENTS_KEEP, schedule: config.PRUNE_INTERVAL, log, timezone: config.TZ })
  log.info({ url, database: database.kind, rooms: config.ROOMS.length, version: VERSION }, 'lef started')

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      log.info('lef stopping: closing intake, flushing events')
      stopPrune()
      await rooms.stop()
      await server.stop(true)
      unsubscribeWriter()
      await writer.close()
      await bus.close()
      await database.close()
      log.info({ written: writer.stats.written }, 'lef stopped')
    })())

  return { config, log, database, store, writer, bus, rooms, server, url, stop }
}
