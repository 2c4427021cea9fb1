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
}

/** A consumer socket as the fan-out sees it. */
export class BridgeConnection implements FeedSink<string> {
  constructor(
    private readonly ws: ServerWebSocket<BridgeSocketData>,
    private readonly now: () => number,
  ) {}

  write(json: string): boolean {
    // -1: queued under backpressure (buffered() tells how much); 0: dropped, the socket is closed.
    return this.ws.send(json) !== 0
  }

  buffered(): number {
    return this.ws.getBufferedAmount()
  }

  cutOff(): void {
    // terminate(), not close(): a close frame would queue behind the data the client is not reading.
    this.ws.terminate()
  }

  notice(message: string): void {
    this.ws.send(JSON.stringify(errorFrame(message, this.now())))
  }
}
