import type { ServerWebSocket } from 'bun'
import type { Feed, FeedSink } from '../../bus/feed'
import type { StreamFilter } from '../../bus/stream-filter'
import { errorFrame } from './protocol'

/** What Bun keeps on each bridge socket (`ws.data`). */
export interface BridgeSocketData {
  clientId: string
  isServer: boolean
  /** The upgrade's filter and resume, applied when the socket opens. */
  request: { filter: StreamFilter; since?: string }
  feed?: Feed<string>
  lastPongAt: number
  /** The client presented AUTH_KEY, so it may start rooms on demand (ON_DEMAND_ROOMS). */
  mayStartRooms?: boolean
}

/**
 * A consumer socket as the fan-out sees it. Frames written in one tick are sent together
 * under `cork()` — one syscall per client per burst instead of one per event — each still
 * its own WebSocket message, as the SDK expects.
 */
export class BridgeConnection implements FeedSink<string> {
  private pending: string[] = []
  private pendingBytes = 0
  private scheduled = false
  private gone = false

  constructor(
    private readonly ws: ServerWebSocket<BridgeSocketData>,
    private readonly now: () => number,
  ) {}

  write(json: string): boolean {
    if (this.gone) return false
    this.pending.push(json)
    this.pendingBytes += json.length
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => this.flush())
    }
    return true
  }

  buffered(): number {
    return this.ws.getBufferedAmount() + this.pendingBytes
  }

  cutOff(): void {
    this.gone = true
    this.pending = []
    this.pendingBytes = 0
    // terminate(), not close(): a close frame would queue behind the data the client is not reading.
    this.ws.terminate()
  }

  notice(message: string): void {
    // Through the same queue, so a notice never overtakes events written before it.
    this.write(JSON.stringify(errorFrame(message, this.now())))
  }

  private flush(): void {
    this.scheduled = false
    const frames = this.pending
    if (frames.length === 0 || this.gone) return
    this.pending = []
    this.pendingBytes = 0
    this.ws.cork((ws) => {
      for (const f of frames) {
        // 0: dropped because the socket is closed; the close handler ends the feed.
        if (ws.send(f) === 0) {
          this.gone = true
          return
        }
      }
    })
  }
}
