import type { Logger } from 'pino'
import type { EventBus } from '../../bus/event-bus'
import type { ClientBudget } from '../../fanout/client-budget'
import { FanoutHub, type FanoutStats } from '../../fanout/fanout-hub'
import type { Feed } from '../../fanout/feed'
import type { ReplaySource } from '../../fanout/replay'
import type { StreamFilter } from '../../fanout/stream-filter'
import { SseConnection } from './sse-connection'
import { encodeSseComment, encodeSseEvent, encodeSseRetry } from './sse-format'

export interface SseServiceOptions {
  bus: EventBus
  replay: ReplaySource
  log: Logger
  /** CLIENT_MAX_BUFFER. */
  maxBuffer: number
  /** CLIENT_BUFFER_TOTAL, shared by the bridge and SSE. */
  budget?: ClientBudget
  /** SSE_KEEPALIVE: a comment this often keeps proxies from closing an idle stream. */
  keepAliveMs: number
  /** The `retry:` sent to clients (how soon they reconnect). */
  retryMs?: number
  now?: () => number
}

export interface SseOpenRequest {
  filter: StreamFilter
  /** `Last-Event-ID`: resume after this stored event. */
  lastEventId?: string
  /** Drops the client's socket (Bun: `server.timeout(req, 1)`). */
  dropSocket: () => void
}

const DEFAULT_RETRY_MS = 3000

/** `GET /sse`: event streams fed by one fan-out hub, with one keep-alive timer for all of them. */
export class SseService {
  readonly hub: FanoutHub<Uint8Array>
  private readonly open = new Map<SseConnection, Feed<Uint8Array>>()
  private readonly keepAlive: ReturnType<typeof setInterval>
  private readonly retry: Uint8Array

  constructor(private readonly opts: SseServiceOptions) {
    this.hub = new FanoutHub<Uint8Array>({
      bus: opts.bus,
      encode: encodeSseEvent,
      sizeOf: (b) => b.byteLength,
      maxBuffer: opts.maxBuffer,
      budget: opts.budget,
      replay: opts.replay,
      log: opts.log,
      now: opts.now,
    })
    this.retry = encodeSseRetry(opts.retryMs ?? DEFAULT_RETRY_MS)
    this.keepAlive = setInterval(() => this.sendKeepAlive(), opts.keepAliveMs)
    this.keepAlive.unref?.()
  }

  get stats(): FanoutStats {
    return this.hub.stats
  }

  get clientCount(): number {
    return this.open.size
  }

  /** Start one client's stream; `ready` settles once a resume has caught up (tests await it). */
  connect(req: SseOpenRequest): { response: Response; ready: Promise<void> } {
    let feed: Feed<Uint8Array> | undefined
    const conn: SseConnection = new SseConnection(req.dropSocket, () => {
      feed?.close()
      this.open.delete(conn)
    }, this.opts.now)
    conn.write(this.retry)
    conn.write(encodeSseComment('connected to lef'))
    const opened = this.hub.open(req.filter, conn, { since: req.lastEventId })
    feed = opened.feed
    this.open.set(conn, feed)
    const response = new Response(conn.stream, {
      headers: {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        // nginx buffers responses unless told not to; events would arrive in lumps.
        'X-Accel-Buffering': 'no',
      },
    })
    return { response, ready: opened.ready }
  }

  /** Shutdown: end every stream so the server can stop. */
  close(): void {
    clearInterval(this.keepAlive)
    this.hub.close()
    for (const [conn, feed] of this.open) {
      feed.close()
      conn.end()
    }
    this.open.clear()
  }

  private sendKeepAlive(): void {
    const comment = encodeSseComment('keep-alive')
    for (const [conn, feed] of this.open) {
      if (feed.closed || !conn.open) {
        this.open.delete(conn)
        continue
      }
      conn.write(comment)
    }
  }
}
