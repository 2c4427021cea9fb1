import type { Server, ServerWebSocket, WebSocketHandler } from 'bun'
import type { Logger } from 'pino'
import { eventJson } from '../../events'
import type { EventBus } from '../../bus/event-bus'
import type { ClientBudget } from '../../fanout/client-budget'
import { FanoutHub, type FanoutStats } from '../../fanout/fanout-hub'
import type { ReplaySource } from '../../fanout/replay'
import { FilterError, parseStreamFilter, type RoomResolver } from '../../fanout/stream-filter'
import { ApiError } from '../api-error'
import { keyMatches } from '../auth'
import { type AuthFailLimiter, clientAddress } from '../auth-fail-limit'
import { routePath } from '../request-path'
import { BridgeConnection, type BridgeSocketData } from './bridge-connection'
import { authorize, readHandshake } from './handshake'
import { parseProducedMessage, publishProduced } from './producer'
import { broadcastSuccessFrame, clientMessageReceivedFrame, errorFrame, establishedFrame, FrameType, pingFrame } from './protocol'

export interface WebSocketBridgeOptions {
  bus: EventBus
  replay: ReplaySource
  log: Logger
  /** Accepted passwords (WEBSOCKET_BRIDGE_AUTH, else AUTH_KEY); empty = open to consumers. */
  passwords: readonly string[]
  /** WEBSOCKET_BRIDGE_PRODUCER_AUTH: the only secret that opens the producer role; empty = no producers. */
  producerPasswords: readonly string[]
  /** AUTH_KEY: a consumer presenting one of these may start rooms on demand. */
  startKeys?: readonly string[]
  /** Counts wrong passwords per client address (AUTH_FAIL_LIMIT), shared with the REST routes. */
  authFailures?: AuthFailLimiter
  /** BRIDGE_PING_INTERVAL. */
  pingIntervalMs: number
  /** CLIENT_MAX_BUFFER. */
  maxBuffer: number
  /** CLIENT_BUFFER_TOTAL, shared by the bridge and SSE. */
  budget?: ClientBudget
  resolveRoom: RoomResolver
  /**
   * Where produced events become durable (the spool). A producer is acknowledged only once its
   * events are fsynced there; without it, as soon as they are published.
   */
  durability?: ProducerDurability
  now?: () => number
}

export interface ProducerDurability {
  /** Resolves once everything published so far is on disk: false if the write failed. */
  synced(): Promise<boolean>
  /** Events refused so far (the spool or the writer's buffer was full). */
  refusals(): number
}

export interface BridgeStats extends FanoutStats {
  /** Producer (server role) sockets connected now. */
  producers: number
  /** Events accepted from producers. */
  produced: number
  /** Producer messages refused as invalid. */
  producerRejects: number
  /** Producer messages not acknowledged because their events could not be made durable. */
  producerNotDurable?: number
  /** Consumer messages that were not JSON or not understood. */
  badClientMessages: number
  /** Upgrades refused for a missing or wrong password. */
  authFailures: number
}

/**
 * The LAPLACE Event Bridge at `/`: consumers get every (filtered) event as JSON, with an
 * application ping the SDK watches; producers may publish events. Runs on Bun's native
 * WebSocket server; app.ts routes upgrade requests here.
 */
export class WebSocketBridge {
  private readonly hub: FanoutHub<string>
  private readonly sockets = new Set<ServerWebSocket<BridgeSocketData>>()
  private readonly pinger: ReturnType<typeof setInterval>
  private readonly now: () => number
  private nextId = 1
  private producers = 0
  private readonly extra: Omit<BridgeStats, keyof FanoutStats | 'producers'> = { produced: 0, producerRejects: 0, producerNotDurable: 0, badClientMessages: 0, authFailures: 0 }

  constructor(private readonly opts: WebSocketBridgeOptions) {
    this.now = opts.now ?? Date.now
    this.hub = new FanoutHub<string>({
      bus: opts.bus,
      encode: eventJson,
      // JSON text: UTF-16 length ≤ UTF-8 bytes ≤ 3×; the character count is a fine estimate for a bound.
      sizeOf: (s) => s.length,
      maxBuffer: opts.maxBuffer,
      budget: opts.budget,
      replay: opts.replay,
      log: opts.log,
      now: this.now,
    })
    this.pinger = setInterval(() => this.pingAll(), opts.pingIntervalMs)
    this.pinger.unref?.()
  }

  /** Connected consumers (what `/info` reports as websocketClients). */
  get clientCount(): number {
    return this.hub.size
  }

  get stats(): BridgeStats {
    return { ...this.hub.stats, producers: this.producers, ...this.extra }
  }

  /** Bun's server options for the bridge sockets. */
  get websocket(): WebSocketHandler<BridgeSocketData> {
    return {
      open: (ws) => this.onOpen(ws),
      message: (ws, message) => this.onMessage(ws, message),
      close: (ws) => this.onClose(ws),
      // Our own limit cuts slow clients off first; Bun's (which drops messages silently) sits above it.
      backpressureLimit: Math.min(2 ** 32 - 1, this.opts.maxBuffer * 2),
      closeOnBackpressureLimit: false,
      maxPayloadLength: 16 * 1024 * 1024,
    }
  }

  /**
   * Handle a request if it is a bridge upgrade: `undefined` = not ours (the REST app takes it),
   * `null` = upgraded, a Response = refused (401/403/400).
   */
  handle(req: Request, server: Server<BridgeSocketData>): Response | null | undefined {
    if ((req.headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') return undefined
    // The same path rules as the REST routes: a pasted `ws://host//` is the bridge too.
    if (routePath(req) !== '/') return undefined
    const url = new URL(req.url)
    const handshake = readHandshake(req)
    const limiter = this.opts.authFailures
    const address = clientAddress(req, server)
    // A blocked address is refused before its password is looked at, so guessing learns nothing.
    const wait = handshake.password !== undefined ? (limiter?.retryAfterSeconds(address) ?? 0) : 0
    if (wait > 0) {
      this.extra.authFailures++
      return new Response(`Too many wrong passwords from this address: try again in ${wait} s`, { status: 429, headers: { 'Retry-After': String(wait) } })
    }
    const verdict = authorize(handshake, { passwords: this.opts.passwords, producerPasswords: this.opts.producerPasswords })
    if (!verdict.ok) {
      this.extra.authFailures++
      if (verdict.wrong) limiter?.fail(address)
      return new Response(verdict.message, { status: verdict.status })
    }
    let filter
    try {
      filter = parseStreamFilter({ rooms: url.searchParams.get('rooms'), types: url.searchParams.get('types') }, this.opts.resolveRoom)
    } catch (err) {
      if (err instanceof FilterError || err instanceof ApiError) return new Response(`Bad request: ${err.message}`, { status: 400 })
      throw err
    }
    const since = url.searchParams.get('since')?.trim() || undefined
    const isServer = handshake.isServer
    const data: BridgeSocketData = {
      clientId: `${isServer ? 'server' : 'client'}-${this.nextId++}`,
      isServer,
      request: { filter, since },
      lastPongAt: this.now(),
      mayStartRooms: !isServer && handshake.password !== undefined && keyMatches(handshake.password, this.opts.startKeys ?? []),
    }
    const headers = handshake.selectedProtocol ? { 'Sec-WebSocket-Protocol': handshake.selectedProtocol } : undefined
    if (server.upgrade(req, { data, headers })) return null
    return new Response('WebSocket upgrade failed', { status: 400 })
  }

  /** Shutdown: stop pings and fan-out, close every socket. */
  close(): void {
    clearInterval(this.pinger)
    this.hub.close()
    for (const ws of this.sockets) ws.close(1001, 'server shutting down')
    this.sockets.clear()
  }

  private onOpen(ws: ServerWebSocket<BridgeSocketData>): void {
    this.sockets.add(ws)
    ws.send(JSON.stringify(establishedFrame(ws.data.clientId, ws.data.isServer)))
    if (ws.data.isServer) {
      this.producers++
      return
    }
    const { feed } = this.hub.open(ws.data.request.filter, new BridgeConnection(ws, this.now), { since: ws.data.request.since })
    ws.data.feed = feed
  }

  private onMessage(ws: ServerWebSocket<BridgeSocketData>, message: string | Buffer): void {
    const text = typeof message === 'string' ? message : message.toString('utf8')
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch (err) {
      this.extra.badClientMessages++
      ws.send(JSON.stringify(errorFrame(`message is not JSON: ${(err as Error).message}`, this.now())))
      return
    }
    if (isPong(frame)) {
      ws.data.lastPongAt = this.now()
      return
    }
    if (ws.data.isServer) {
      this.onProducerMessage(ws, frame)
      return
    }
    // Consumers have nothing to say but pong; like the LAPLACE bridge, acknowledge and drop.
    ws.send(JSON.stringify(clientMessageReceivedFrame(this.now())))
  }

  private onProducerMessage(ws: ServerWebSocket<BridgeSocketData>, frame: unknown): void {
    const produced = parseProducedMessage(frame)
    if (!produced.ok) {
      this.extra.producerRejects++
      ws.send(JSON.stringify(errorFrame(produced.message, this.now())))
      return
    }
    const durability = this.opts.durability
    const refusedBefore = durability?.refusals() ?? 0
    publishProduced(this.opts.bus, produced.events)
    this.extra.produced += produced.events.length
    if (!durability) {
      ws.send(JSON.stringify(broadcastSuccessFrame(this.hub.size, produced.events.length, this.now())))
      return
    }
    const refused = durability.refusals() - refusedBefore
    void durability.synced().then((ok) => this.acknowledge(ws, produced.events.length, ok ? refused : produced.events.length))
  }

  /** The ack follows the fsync: `broadcast-success` means the events survive a crash from here on. */
  private acknowledge(ws: ServerWebSocket<BridgeSocketData>, count: number, notDurable: number): void {
    if (ws.readyState !== 1) return
    if (notDurable > 0) {
      this.extra.producerNotDurable = (this.extra.producerNotDurable ?? 0) + 1
      ws.send(JSON.stringify(errorFrame(`${notDurable} of ${count} events could not be made durable (spool full or failing); not acknowledged, send them again`, this.now())))
      return
    }
    ws.send(JSON.stringify(broadcastSuccessFrame(this.hub.size, count, this.now())))
  }

  private onClose(ws: ServerWebSocket<BridgeSocketData>): void {
    this.sockets.delete(ws)
    if (ws.data.isServer) this.producers--
    ws.data.feed?.close()
  }

  private pingAll(): void {
    if (this.sockets.size === 0) return
    const frame = JSON.stringify(pingFrame(this.now()))
    for (const ws of this.sockets) ws.send(frame)
  }
}

function isPong(frame: unknown): boolean {
  return typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === FrameType.Pong
}
