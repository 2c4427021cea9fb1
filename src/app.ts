import type { Server } from 'bun'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { ClientBudget } from './fanout/client-budget'
import { LocalEventBus, type EventBus } from './bus/event-bus'
import type { RedisEventBus } from './bus/redis-bus'
import { ConfigError, type Env } from './config'
import type { BridgeSocketData } from './http/bridge/bridge-connection'
import { WebSocketBridge } from './http/bridge/bridge-server'
import { testPageRoutes } from './http/bridge/test-page'
import { AuthFailLimiter } from './http/auth-fail-limit'
import { createHttpApp } from './http/http-app'
import { resolveRoomParam } from './http/room-param'
import { serviceUrls } from './http/service-urls'
import { metricsRoutes } from './http/routes/metrics'
import { withOnDemandBridge } from './http/on-demand/bridge-hook'
import { onDemandSseRoutes } from './http/on-demand/sse-hook'
import { sseRoutes } from './http/sse/sse-routes'
import { SseService } from './http/sse/sse-service'
import type { Platform } from './events'
import { RefusedEvents } from './events/refused-events'
import type { Connector } from './platforms/connector'
import { createConnectors } from './platforms/connectors'
import { HeldRoomsFile } from './rooms/held-rooms-file'
import { LeaseKeeper } from './rooms/room-lease'
import { RoomManager } from './rooms/room-manager'
import { RoomOrder } from './rooms/room-order'
import { OnDemandRooms } from './rooms/on-demand'
import { observePhases } from './rooms/phase-observer'
import { RoomRegistry } from './rooms/room-registry'
import { resolveShard, shardOf, ShardConfigError } from './rooms/shard'
import { createDatabase, type Database } from './store/db'
import { DatabaseReadiness } from './store/db-readiness'
import { databaseWhere, openWithRetry } from './store/open-with-retry'
import { EventStore } from './store/event-store'
import { EventWriter } from './store/event-writer'
import { storePublished } from './store/store-published'
import { listenForRoomChanges } from './store/room-change-feed'
import { RoomStore } from './store/room-store'
import { schedulePrune } from './store/prune-job'
import { openSpool } from './spool/open-spool'
import { replaySpool } from './spool/replay-spool'
import { spoolJournal } from './spool/spool-journal'
import { axiomTargetFromOtlp } from './telemetry/axiom'
import { instrumentSink } from './telemetry/instrument-sink'
import { traceStore } from './telemetry/traced-store'
import { createLogger } from './telemetry/logger'
import { createMetrics, type Metrics } from './telemetry/metrics'
import { parseOtlpHeaders } from './telemetry/otlp-headers'
import { startTelemetry, type Telemetry } from './telemetry/telemetry'
import { VERSION } from './version'

export interface AppOptions {
  log?: Logger
  /** PGlite in memory instead of DATA_DIR (tests). */
  inMemoryDatabase?: boolean
  /** Replace platform connectors (tests). */
  connectors?: Partial<Record<Platform, Connector>>
  /** The pod hostname ROOMS_SHARD=auto reads its ordinal from (default: os.hostname()). */
  hostname?: string
  /**
   * Resolve only once the database is open and rooms are claimed (default true, as tests want a
   * working app). false: resolve as soon as HTTP listens and follow start-up through `ready`.
   */
  waitUntilReady?: boolean
  /** Replaces secret values in every log line (src/index.ts passes the environment's scrubber). */
  scrub?: (text: string) => string
}

export interface App {
  readonly config: Env
  readonly log: Logger
  readonly database: Database
  readonly store: EventStore
  readonly writer: EventWriter
  readonly bus: EventBus
  /** Present when REDIS_URL is set (its stats feed metrics). */
  readonly redisBus?: RedisEventBus
  /** Present when WEBSOCKET_BRIDGE is on. */
  readonly bridge?: WebSocketBridge
  readonly sse: SseService
  /** CLIENT_BUFFER_TOTAL: the send queues of all bridge and SSE clients together. */
  readonly clientBudget: ClientBudget
  /** This node's stable id (NODE_ID, default the hostname): the holder of its room leases. */
  readonly nodeId: string
  /** Every event refused anywhere (lef_events_refused_total). */
  readonly refused: RefusedEvents
  readonly rooms: RoomManager
  /** `/metrics`: this app's Prometheus registry. */
  readonly metrics: Metrics
  /** Sentry and OpenTelemetry, each present when configured. */
  readonly telemetry: Telemetry
  /** The `rooms` table: operator CRUD and leases. */
  readonly roomStore: RoomStore
  /** Claims and renews this node's room leases (tests stop it without releasing to simulate a crash). */
  readonly leases: LeaseKeeper
  readonly registry: RoomRegistry
  /** Present when ON_DEMAND_ROOMS is on. */
  readonly onDemand?: OnDemandRooms
  readonly server: Server<unknown>
  /** The base URL the server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string
  /**
   * Settles when start-up is complete: the database migrated, rooms seeded and claimed. Until
   * then HTTP is up, `/ping` answers 503 naming the cause and routes needing the database 503.
   * Rejects if the database cannot be opened for good (PGlite) or lef is stopped first.
   */
  readonly ready: Promise<void>
  stop(): Promise<void>
}

/** A stop's budget for the steps that need the database (lease release, the writer's last flush). */
const SHUTDOWN_BUDGET_MS = 7000
/** How long rooms wait at start-up for the spool's backlog to be queued ahead of them. */
const SPOOL_REPLAY_HEAD_START_MS = 5000

/**
 * The composition root: builds every part from the config and wires them together. Nothing
 * else constructs parts or connects them.
 */
export async function startApp(config: Env, opts: AppOptions = {}): Promise<App> {
  const log = opts.log ?? createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY, axiom: axiomLogTarget(config), scrub: opts.scrub })
  const startedAt = Date.now()
  const telemetry = startTelemetry(config, log, { version: VERSION, instanceId: `${hostname()}-${process.pid}` })
  const metrics = createMetrics({ version: VERSION })
  // Resolved before anything opens, so a bad shard setting stops start-up like any bad variable.
  const shard = shardOrConfigError(config, opts.hostname ?? hostname())

  // Every event the writer queues is journaled in DATA_DIR/spool until stored (none in memory-only tests).
  // Opened first: an unusable DATA_DIR is a configuration error, reported before anything else starts.
  const spooled = opts.inMemoryDatabase
    ? undefined
    : openSpool({ dataDir: config.DATA_DIR, maxBytes: config.SPOOL_MAX_BYTES, fsyncMs: config.SPOOL_FSYNC_MS, log: log.child({ part: 'spool' }) })
  // Nothing here touches the server yet: PostgreSQL may still be starting (a first boot, a pod
  // before its database). HTTP comes up first; the database-bound start-up follows when it can.
  const database = await createDatabase({
    url: config.DATABASE_URL,
    dataDir: opts.inMemoryDatabase ? undefined : config.DATA_DIR,
  })
  const readiness = new DatabaseReadiness()
  const refused = new RefusedEvents(log.child({ part: 'refused' }))
  const store = traceStore(new EventStore(database.db, database.copier), telemetry.tracer)
  const writer = new EventWriter({
    journal: spooled && spoolJournal(spooled.spool),
    sink: instrumentSink(store, { tracer: telemetry.tracer, batches: metrics }),
    log: log.child({ part: 'writer' }),
    batchSize: config.WRITER_BATCH_SIZE,
    flushMs: config.WRITER_FLUSH_MS,
    maxBuffer: config.WRITER_MAX_BUFFER,
    onRefused: (event, why) => refused.refuse(why, event),
  })
  const localBus = new LocalEventBus((err, event) => log.error({ err, id: event.id, type: event.type }, 'event subscriber failed'))
  // Stable across restarts, so a restarted node takes its own leases back at once.
  const nodeId = config.NODE_ID ?? hostname()
  // On the Redis channel every process is its own sender, even two with one NODE_ID.
  const busId = `${nodeId}-${process.pid}-${randomUUID().slice(0, 8)}`
  // ioredis is loaded only with REDIS_URL: ~2 MB of resident memory on every node otherwise.
  const redisBus = config.REDIS_URL
    ? new (await import('./bus/redis-bus')).RedisEventBus({ url: config.REDIS_URL, nodeId: busId, local: localBus, log: log.child({ part: 'redis-bus' }) })
    : undefined
  const bus: EventBus = redisBus ?? localBus
  const unsubscribeWriter = storePublished(bus, writer)

  const connectors = { ...createConnectors(config), ...opts.connectors }
  // On-demand clients are told every start-up phase: the supervisors get connectors that report them.
  let onDemand: OnDemandRooms | undefined
  const roomStore = new RoomStore(database.db)
  // /info's room order, read from the table so every node agrees; events carry it as originIdx.
  const roomOrder = new RoomOrder({ load: () => roomStore.order(), log: log.child({ part: 'rooms' }) })
  const rooms = new RoomManager({
    connectors: config.ON_DEMAND_ROOMS ? observePhases(connectors, (room, phase) => onDemand?.phase(room, phase)) : connectors,
    bus,
    log,
    restartWaitMs: config.RESTART_WAIT,
    restartCron: config.RESTART_INTERVAL,
    timezone: config.TZ,
    order: roomOrder,
    onSessionError: telemetry.onSessionError,
  })
  const leases = new LeaseKeeper({
    store: roomStore,
    supervisors: rooms,
    nodeId,
    ttlMs: config.ROOM_LEASE_TTL,
    maxRooms: config.ROOMS_PER_NODE,
    order: roomOrder,
    memory: opts.inMemoryDatabase ? undefined : new HeldRoomsFile(join(config.DATA_DIR, 'held-rooms.json'), nodeId, log.child({ part: 'leases' })),
    // With ROOMS_SHARD, a replica takes its own share first and others' only once they sit unheld.
    prefers: shard ? (room) => shardOf(room, shard.count) === shard.index : undefined,
    log: log.child({ part: 'leases' }),
  })
  const registry = new RoomRegistry({ store: roomStore, leases, localStatus: (room) => rooms.get(room)?.status })
  onDemand = config.ON_DEMAND_ROOMS
    ? new OnDemandRooms({ leases, status: (room) => rooms.get(room)?.status, idleMs: config.ON_DEMAND_IDLE, maxRooms: config.ON_DEMAND_MAX, log: log.child({ part: 'on-demand' }) })
    : undefined
  // One memory budget for the send queues of every bridge and SSE client.
  const clientBudget = new ClientBudget({ totalBytes: config.CLIENT_BUFFER_TOTAL, log: log.child({ part: 'clients' }) })
  const sse = new SseService({
    bus, replay: { store, writer }, log: log.child({ part: 'sse' }), maxBuffer: config.CLIENT_MAX_BUFFER, budget: clientBudget, keepAliveMs: config.SSE_KEEPALIVE,
  })
  // Wrong keys per client address, counted across REST, /ping and the bridge (AUTH_FAIL_LIMIT).
  const authFailures = new AuthFailLimiter({
    limit: config.AUTH_FAIL_LIMIT,
    onBlock: (address, retryAfterSeconds) => log.warn({ address, retryAfterSeconds, limit: config.AUTH_FAIL_LIMIT }, 'too many wrong keys from one address; refusing its key checks for now'),
  })
  const bridge = config.WEBSOCKET_BRIDGE
    ? new WebSocketBridge({
        bus,
        replay: { store, writer },
        log: log.child({ part: 'bridge' }),
        // The bridge password; without one, AUTH_KEY (if set) guards the bridge like every other route.
        passwords: config.WEBSOCKET_BRIDGE_AUTH !== '' ? [config.WEBSOCKET_BRIDGE_AUTH] : config.AUTH_KEY,
        producerPasswords: config.WEBSOCKET_BRIDGE_PRODUCER_AUTH,
        startKeys: config.AUTH_KEY,
        authFailures,
        pingIntervalMs: config.BRIDGE_PING_INTERVAL,
        maxBuffer: config.CLIENT_MAX_BUFFER,
        budget: clientBudget,
        resolveRoom: (input) => resolveRoomParam(input, rooms),
        durability: spooled && { synced: () => spooled.spool.synced(), refusals: () => writer.stats.dropped },
      })
    : undefined
  const http = createHttpApp(
    {
      config, log, database, store, writer, bus, rooms, redis: redisBus, version: VERSION, startedAt,
      bridgeClients: () => bridge?.clientCount ?? 0,
      middleware: telemetry.httpMiddleware,
      operator: { registry },
      readiness,
      authFailures,
    },
    [...(onDemand ? [onDemandSseRoutes(onDemand, (r) => resolveRoomParam(r, rooms), config.AUTH_KEY.length > 0)] : []), sseRoutes({ rooms }, sse), testPageRoutes(), metricsRoutes(metrics.registry)],
  )

  metrics.watch({ bus, writer, store, rooms, connectors, sse, bridge, redis: redisBus, refused, clientBudget, spool: spooled?.spool })

  rooms.start([])

  const server = Bun.serve<BridgeSocketData>({
    port: config.PORT,
    hostname: config.HOST,
    // Bridge upgrades at `/` first; everything else (including plain GET /) is the REST app.
    // The server goes to Hono as its env so SSE can lift its requests' idle timeout.
    fetch: (req, srv) => {
      // Until ready, bridge upgrades fall through to the REST app, which answers 503.
      const bridged = readiness.ready ? bridge?.handle(req, srv) : undefined
      if (bridged === null) return undefined
      return bridged ?? http.fetch(req, srv)
    },
    websocket: bridge ? (onDemand ? withOnDemandBridge(bridge.websocket, onDemand, config.AUTH_KEY.length > 0) : bridge.websocket) : { message: () => {} },
    // Bun's own limit answers a bare 413; ours (readBody) streams and answers with the JSON
    // envelope, so Bun's is set out of the way.
    maxRequestBodySize: 2 ** 32,
  })
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${server.port}`
  // Only now that the port is bound: a start that fails (EADDRINUSE) must not take rooms.
  leases.resume()

  let roomChanges: { close(): Promise<void> } | undefined
  let stopPrune = () => {}
  const stopped = new AbortController()
  const { where, secrets } = config.DATABASE_URL ? databaseWhere(config.DATABASE_URL) : { where: undefined, secrets: [] }
  const ready = (async () => {
    // ROOMS seeds the table (missing rooms only: an operator's disable sticks); leases decide which node connects what.
    // Before this completes /ping answers 503: a healthy /ping means start-up is complete (deployments send SIGTERM on that basis).
    const { attempts } = await openWithRetry({
      open: async () => {
        await database.migrate()
        await roomStore.seed(config.ROOMS, Date.now())
      },
      readiness, log: log.child({ part: 'database' }), where, secrets, signal: stopped.signal,
      // PGlite is a directory on this machine: if it cannot open, waiting will not change that.
      retry: database.kind === 'postgres',
    })
    readiness.starting()
    // What the last run left in the spool is queued before rooms start, so it is stored (and
    // ordered for resume) before this run's live events; a backlog the writer cannot hold at once
    // goes on in the background rather than keep rooms dark.
    if (spooled) {
      const replay = replaySpool({ spool: spooled.spool, writer, log: log.child({ part: 'spool' }), maxBuffered: config.WRITER_MAX_BUFFER / 2, signal: stopped.signal })
      await within(replay, SPOOL_REPLAY_HEAD_START_MS)
    }
    await leases.start()
    // Several nodes share PostgreSQL: a change made through one reaches the others' leases at once.
    if (config.DATABASE_URL) roomChanges = await listenForRoomChanges(config.DATABASE_URL, () => void leases.poke(), log.child({ part: 'leases' }))
    stopPrune = schedulePrune({ store, keepHours: config.EVENTS_KEEP, schedule: config.PRUNE_INTERVAL, log, timezone: config.TZ })
    readiness.markReady()
    log.info({ url, ...serviceUrls(url, bridge !== undefined), database: database.kind, rooms: leases.heldIds().length, shard, version: VERSION, attempts }, 'lef started')
  })()
  // Whoever follows start-up handles a failure; an app nobody waits on must not crash the process.
  ready.catch(() => {})

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      log.info('lef stopping: closing intake, flushing events')
      // A start-up still waiting for the database gives up at once; one past it finishes first,
      // so nothing it starts is left running.
      stopped.abort()
      await ready.catch(() => {})
      stopPrune()
      onDemand?.close()
      // Steps that need the database get a share of one budget: a hung database must not hold a
      // stop past the k8s grace period (30 s); what it did not take stays in the spool.
      const deadline = Date.now() + SHUTDOWN_BUDGET_MS
      const left = (cap: number) => Math.max(0, Math.min(cap, deadline - Date.now()))
      await within(roomChanges?.close(), left(1000))
      await within(leases.stop({ release: true }), left(3000))
      await rooms.stop()
      bridge?.close()
      sse.close()
      await server.stop(true)
      unsubscribeWriter()
      // With a spool, what the database does not take in a few seconds stays on disk for the next start.
      await writer.close(spooled ? Math.max(500, left(3000)) : 10_000)
      await spooled?.spool.close()
      spooled?.unlock()
      await bus.close()
      await within(database.close(), spooled ? Math.max(200, left(1000)) : 10_000)
      metrics.close()
      log.info({ written: writer.stats.written }, 'lef stopped')
      // Last: errors during shutdown are still reported, and queued spans exported.
      await telemetry.shutdown()
    })())

  const app: App = { config, log, database, store, writer, bus, redisBus, bridge, sse, clientBudget, nodeId, refused, rooms, metrics, telemetry, roomStore, leases, registry, onDemand, server: server as Server<unknown>, url, ready, stop }
  if (opts.waitUntilReady === false) return app
  try {
    await ready
  } catch (err) {
    await stop()
    throw err
  }
  return app
}

function shardOrConfigError(config: Env, host: string) {
  try {
    return resolveShard(config.ROOMS_SHARD, config.ROOMS_SHARDS, host)
  } catch (err) {
    if (err instanceof ShardConfigError) throw new ConfigError([`ROOMS_SHARD: ${err.message}`])
    throw err
  }
}

/** Axiom gets the logs too when the OTLP headers name an Axiom dataset and token. */
function axiomLogTarget(config: Env) {
  return axiomTargetFromOtlp(config.OTEL_EXPORTER_OTLP_ENDPOINT, parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS).headers)
}

/** Wait for `p`, at most `ms`; it keeps running in the background past that. */
async function within(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([p.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
