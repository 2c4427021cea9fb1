import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'
import { backoffDelay } from '../backoff'
import { eventJson, type LefEvent } from '../events'
import { LocalEventBus, type Delivery, type EventBus, type EventHandler } from './event-bus'

export const DEFAULT_REDIS_CHANNEL = 'lef:events'

export interface RedisEventBusOptions {
  url: string
  /** This node's id: a node skips its own messages when they come back from Redis. */
  nodeId: string
  log: Logger
  /** The in-process bus that delivers to this node's subscribers. */
  local: LocalEventBus
  channel?: string
  /** Reconnect delay cap while Redis is down. */
  retryCapMs?: number
}

/** What travels over Redis: the event and the node that published it. */
interface RelayMessage {
  node: string
  event: LefEvent
}

export interface RedisBusStats {
  /** Events sent to Redis. */
  relayedOut: number
  /** Events received from other nodes. */
  relayedIn: number
  /** Local events not relayed because Redis was down (other nodes' clients missed them live). */
  unrelayed: number
  /** Messages from Redis that were not a relay message (logged, skipped). */
  malformed: number
  /** Whether both connections are up. */
  connected: boolean
}

/**
 * Scale-out: every node's events reach every node's clients. Local publishes are delivered
 * in-process at once and sent to Redis; messages from other nodes are delivered as
 * `{local:false, stored:true}` so only the origin node writes them. When Redis is away the bus
 * keeps delivering locally (logged once) and relays again when it is back.
 */
export class RedisEventBus implements EventBus {
  readonly stats: RedisBusStats = { relayedOut: 0, relayedIn: 0, unrelayed: 0, malformed: 0, connected: false }
  private readonly pub: Redis
  private readonly sub: Redis
  private readonly channel: string
  private degraded = false
  private closed = false

  constructor(private readonly opts: RedisEventBusOptions) {
    this.channel = opts.channel ?? DEFAULT_REDIS_CHANNEL
    const cap = opts.retryCapMs ?? 5000
    const common: RedisOptions = {
      // Fail fast while disconnected instead of queueing without bound: the event already went
      // to local clients, and the database has it for resumes.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => backoffDelay(attempt - 1, 100, cap),
      connectionName: `lef:${opts.nodeId}`,
    }
    this.pub = new Redis(opts.url, common)
    // The subscriber needs its queue for the SUBSCRIBE it re-sends after each reconnect.
    this.sub = new Redis(opts.url, { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null })
    for (const conn of [this.pub, this.sub]) {
      // ioredis emits an 'error' per failed attempt; the state change is what we log (once).
      conn.on('error', () => this.markDown())
      conn.on('close', () => this.markDown())
      conn.on('ready', () => this.markUpIfBoth())
    }
    this.sub.subscribe(this.channel).catch(() => this.markDown())
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text)
    })
  }

  publish(event: LefEvent, delivery: Partial<Delivery> = {}): void {
    const d: Delivery = { stored: delivery.stored ?? false, local: delivery.local ?? true }
    this.opts.local.deliver(event, d)
    if (d.local) this.relay(event)
  }

  subscribe(handler: EventHandler): () => void {
    return this.opts.local.subscribe(handler)
  }

  /** `/ping`: rejects when Redis is unreachable. */
  ping(): Promise<unknown> {
    return this.pub.ping()
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all([this.pub, this.sub].map((c) => closeConnection(c)))
    await this.opts.local.close()
  }

  private relay(event: LefEvent): void {
    if (this.pub.status !== 'ready') {
      // Connection events log the outage; here we only count what other nodes miss.
      this.stats.unrelayed++
      return
    }
    // JSON.stringify({ node, event } satisfies RelayMessage), with the event's text shared (eventJson).
    const message = `{"node":${JSON.stringify(this.opts.nodeId)},"event":${eventJson(event)}}`
    this.pub.publish(this.channel, message).then(
      () => {
        this.stats.relayedOut++
      },
      () => {
        this.stats.unrelayed++
        this.markDown()
      },
    )
  }

  private receive(text: string): void {
    let message: RelayMessage
    try {
      message = JSON.parse(text) as RelayMessage
    } catch {
      this.countMalformed('not JSON')
      return
    }
    const event = message?.event
    if (typeof message?.node !== 'string' || typeof event !== 'object' || event === null || typeof event.id !== 'string' || typeof event.type !== 'string') {
      this.countMalformed('not a relay message')
      return
    }
    if (message.node === this.opts.nodeId) return
    this.stats.relayedIn++
    this.opts.local.deliver(event, { local: false, stored: true })
  }

  private countMalformed(why: string): void {
    this.stats.malformed++
    if (this.stats.malformed === 1 || this.stats.malformed % 1000 === 0) {
      this.opts.log.warn({ why, malformed: this.stats.malformed, channel: this.channel }, 'skipped a message on the Redis channel')
    }
  }

  private markDown(): void {
    this.stats.connected = false
    if (this.degraded || this.closed) return
    this.degraded = true
    this.opts.log.warn({ channel: this.channel }, 'Redis unavailable: delivering to this node\'s clients only until it is back')
  }

  private markUpIfBoth(): void {
    if (this.pub.status !== 'ready' || this.sub.status !== 'ready') return
    this.stats.connected = true
    if (!this.degraded) return
    this.degraded = false
    this.opts.log.info({ channel: this.channel, unrelayed: this.stats.unrelayed }, 'Redis is back: relaying events between nodes again')
  }
}

/** QUIT when connected (bounded: a half-open link must not hold up shutdown), else just drop it. */
async function closeConnection(conn: Redis, timeoutMs = 1000): Promise<void> {
  if (conn.status !== 'ready') {
    conn.disconnect()
    return
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs)
  })
  await Promise.race([conn.quit().then(() => undefined, () => undefined), gaveUp])
  clearTimeout(timer)
  conn.disconnect()
}
