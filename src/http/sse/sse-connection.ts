import type { FeedSink } from '../../bus/feed'
import { encodeSseError } from './sse-format'

/**
 * One SSE response stream. Its queue is measured in bytes (highWaterMark = CLIENT_MAX_BUFFER):
 * Bun stops pulling from a stream whose socket is not draining, so a client that stops
 * reading shows up as a growing queue here.
 */
export class SseConnection implements FeedSink<Uint8Array> {
  readonly stream: ReadableStream<Uint8Array>
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined
  private ended = false

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
    try {
      this.controller.enqueue(bytes)
      return true
    } catch {
      // The stream was closed underneath us (client gone).
      this.finish()
      return false
    }
  }

  buffered(): number {
    const desired = this.controller?.desiredSize ?? 0
    return Math.max(0, this.maxBuffer - desired)
  }

  cutOff(): void {
    this.end()
    this.dropSocket()
  }

  notice(message: string): void {
    this.write(encodeSseError(message, this.now()))
  }

  /** Finish the response (shutdown, or after a cut-off). */
  end(): void {
    if (this.ended) return
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
