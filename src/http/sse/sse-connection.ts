import type { FeedSink } from '../../fanout/feed'
import { encodeSseError } from './sse-format'

/** The parts of Bun's direct stream controller used here (`type: 'direct'` ReadableStream). */
interface DirectController {
  /** Bytes taken, or a promise while the socket is not draining (settles once it drains). */
  write(chunk: Uint8Array): number | Promise<number>
  flush(): number | Promise<number> | undefined
  close(): void
}

/**
 * One SSE response stream, on a Bun direct stream: a write answers a promise while the
 * client's socket is not draining. From then on blocks wait in this connection's own queue
 * (what the fan-out measures against CLIENT_MAX_BUFFER and CLIENT_BUFFER_TOTAL) instead of in
 * the server's native buffers, where they would be invisible and unbounded. Blocks written in
 * one tick go out together with one flush.
 */
export class SseConnection implements FeedSink<Uint8Array> {
  readonly stream: ReadableStream<Uint8Array>
  private controller: DirectController | undefined
  private ended = false
  /** Set while the socket is not draining. */
  private blocked = false
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private scheduled = false
  private release: (abort: boolean) => void = () => {}

  constructor(
    /** Drop the underlying socket (a stream that is no longer read never ends by itself). */
    private readonly dropSocket: () => void,
    /** Called once when the stream ends for any reason: client gone, cut off, shutdown. */
    private readonly onEnded: () => void,
    private readonly now: () => number = Date.now,
  ) {
    const source = {
      type: 'direct',
      pull: (controller: DirectController) => {
        this.controller = controller
        this.flush()
        // The response lasts until the connection ends.
        return new Promise<void>((resolve, reject) => {
          // Rejected (with no reason, which Bun would print) to abort the response.
          this.release = (abort) => (abort ? reject() : resolve())
          if (this.ended) resolve()
        })
      },
      // The client went away.
      cancel: () => this.finish(),
    }
    this.stream = new ReadableStream(source as never)
  }

  get open(): boolean {
    return !this.ended
  }

  write(bytes: Uint8Array): boolean {
    if (this.ended) return false
    this.pending.push(bytes)
    this.pendingBytes += bytes.byteLength
    if (!this.scheduled && !this.blocked) {
      this.scheduled = true
      queueMicrotask(() => this.flush())
    }
    return true
  }

  /** Blocks not yet handed to the socket. */
  buffered(): number {
    return this.pendingBytes
  }

  private flush(): void {
    this.scheduled = false
    const controller = this.controller
    if (this.pending.length === 0 || this.ended || this.blocked || !controller) return
    const parts = this.pending
    this.pending = []
    this.pendingBytes = 0
    let waiting: Promise<number> | undefined
    try {
      const taken = controller.write(parts.length === 1 ? (parts[0] as Uint8Array) : joined(parts))
      if (typeof taken !== 'number') waiting = taken
      const flushed = controller.flush()
      if (flushed instanceof Promise) waiting = flushed
    } catch {
      // The stream was closed underneath us (client gone).
      this.finish()
      return
    }
    if (!waiting) return
    this.blocked = true
    waiting.then(
      () => {
        this.blocked = false
        this.flush()
      },
      () => this.finish(),
    )
  }

  cutOff(reason: string): void {
    this.pending = []
    this.pendingBytes = 0
    if (!this.blocked) {
      // The socket still takes what it is given: the last block says why.
      this.pending.push(encodeSseError(reason, this.now()))
      this.blocked = false
      this.end()
    } else {
      // Failing the stream aborts the response: the socket closes and its backlog is freed,
      // where a clean end would keep both until the client read everything.
      this.finish(true)
    }
    this.dropSocket()
  }

  notice(message: string): void {
    this.write(encodeSseError(message, this.now()))
  }

  /** Finish the response (shutdown, or after a cut-off). */
  end(): void {
    if (this.ended) return
    // What is queued goes to the socket now, whether or not it drains.
    this.blocked = false
    this.flush()
    this.finish()
  }

  private finish(abort = false): void {
    if (this.ended) return
    this.ended = true
    this.pending = []
    this.pendingBytes = 0
    if (!abort) {
      try {
        this.controller?.close()
      } catch {
        // Already closed.
      }
    }
    this.release(abort)
    this.onEnded()
  }
}

/** One chunk of several blocks: one write per client per burst instead of one per event. */
function joined(parts: Uint8Array[]): Uint8Array {
  let size = 0
  for (const p of parts) size += p.byteLength
  const out = new Uint8Array(size)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}
