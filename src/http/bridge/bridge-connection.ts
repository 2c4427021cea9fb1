import type { ServerWebSocket } from 'bun'
import type { Feed, FeedSink } from '../../fanout/feed'
import type { StreamFilter } from '../../fanout/stream-filter'
import { errorFrame } from './protocol'

/** WebSocket close code of a client cut off for reading too slowly (4000–4999: application codes). */
export const CLOSE_TOO_SLOW = 4008
/** A cut client with at most this much unread on its socket gets a close frame; one with more is dropped. */
export const CUT_CLOSE_FRAME_MAX_QUEUED = 16 * 1024

/** A close reason is 123 bytes at most. */
function closeReason(reason: string): string {
  return reason.length <= 120 ? reason : `${reason.slice(0, 117)}...`
}

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

  cutOff(reason: string): void {
    this.gone = true
    this.pending = []
    this.pendingBytes = 0
    // A close frame queues behind the data the client has not read, and Bun keeps that data
    // until the client reads it or a long timeout passes: only a client with little unread data
    // is told why; one with a backlog is dropped at once, which frees the backlog.
    if (this.ws.getBufferedAmount() <= CUT_CLOSE_FRAME_MAX_QUEUED) this.ws.close(CLOSE_TOO_SLOW, closeReason(reason))
    else this.ws.terminate()
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
