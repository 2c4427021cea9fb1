import type { FeedSink } from '../../bus/feed'
import { encodeSseError } from './sse-format'

/**
 * One SSE response stream. Its queue is measured in bytes (highWaterMark = CLIENT_MAX_BUFFER):
 * Bun stops pulling from a stream whose socket is not draining, so a client that stops
 * reading shows up as a growing queue here. Blocks written in one tick are joined into one
 * chunk, so a burst costs one write per client rather than one per event.
 */
export class SseConnection implements FeedSink<Uint8Array> {
  readonly stream: ReadableStream<Uint8Array>
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined
  private ended = false
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private scheduled = false

  constructor(
    private readonly maxBuffer: number,
    /** Drop the underlying socket (a closed stream with a full queue never drains by itself). */
    private readonly dropSocket: () => void,
    /** Called once when the stream ends for any reason: client gone, cut off, shutdown. */
    private readonly onEnded: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller
        },
        // The client went away.
        cancel: () => this.finish(),
      },
      { highWaterMark: maxBuffer, size: (chunk) => chunk?.byteLength ?? 0 },
    )
  }

  get open(): boolean {
    return !this.ended
  }

  write(bytes: Uint8Array): boolean {
    if (this.ended || !this.controller) return false
    this.pending.push(bytes)
    this.pendingBytes += bytes.byteLength
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => this.flush())
    }
    return true
  }

  buffered(): number {
    const desired = this.controller?.desiredSize ?? 0
    return Math.max(0, this.maxBuffer - desired) + this.pendingBytes
  }

  private flush(): void {
    this.scheduled = false
    const parts = this.pending
    if (parts.length === 0 || this.ended || !this.controller) return
    this.pending = []
    this.pendingBytes = 0
    let chunk: Uint8Array
    if (parts.length === 1) {
      chunk = parts[0] as Uint8Array
    } else {
      chunk = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
      let offset = 0
      for (const p of parts) {
        chunk.set(p, offset)
        offset += p.byteLength
      }
    }
    try {
      this.controller.enqueue(chunk)
    } catch {
      // The stream was closed underneath us (client gone).
      this.finish()
    }
  }

  cutOff(reason: string): void {
    this.pending = []
    this.pendingBytes = 0
    // The last block says why; a client still reading (slowly) gets it before the stream ends.
    this.write(encodeSseError(reason, this.now()))
    this.end()
    this.dropSocket()
  }

  notice(message: string): void {
    this.write(encodeSseError(message, this.now()))
  }

  /** Finish the response (shutdown, or after a cut-off). */
  end(): void {
    if (this.ended) return
    this.flush()
    try {
      this.controller?.close()
    } catch {
      // Already closed or errored.
    }
    this.finish()
  }

  private finish(): void {
    if (this.ended) return
    this.ended = true
    this.onEnded()
  }
}
