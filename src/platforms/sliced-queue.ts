import type WebSocket from 'ws'

/**
 * Runs socket callbacks in order, in time slices, yielding to the event loop between slices.
 *
 * Bun hands a client socket's frames to JavaScript as fast as it reads them: with many rooms
 * sending at once, one turn of the event loop decoded hundreds of milliseconds of frames before
 * anything else ran. The writer's COPY had finished long before its completion was seen, so
 * the database sat idle while frames were decoded and the ingest benchmark stored one batch
 * every half second. Queued here, a frame costs a push when it arrives; the decoding happens in
 * slices of `sliceMs`, and between slices the writer, timers and HTTP get their turn.
 *
 * One queue per connector keeps every socket's callbacks (frames, close, error, abort) in
 * arrival order, so a close never overtakes the frames before it. Frames wait here instead of
 * in the sockets' kernel buffers, so the queue is bounded by their bytes (`maxBytes`): past it,
 * the oldest callbacks run on the spot until it is back under, which is what happened to every
 * frame before the queue existed, and memory stays bounded under a sustained overload.
 */
export class SlicedQueue {
  private tasks: Array<(() => void) | undefined> = []
  private sizes: number[] = []
  private head = 0
  private bytes = 0
  private scheduled = false
  /** Callbacks that threw (each is reported to `onError`; the queue goes on). */
  failures = 0

  constructor(
    private readonly onError: (err: unknown) => void,
    private readonly sliceMs = 4,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get length(): number {
    return this.tasks.length - this.head
  }

  /** Bytes held by callbacks waiting (as their pushers declared them). */
  get queuedBytes(): number {
    return this.bytes
  }

  /** Queue a callback; `bytes` is what it holds on to (a frame's size), counted against maxBytes. */
  push(task: () => void, bytes = 0): void {
    if (this.bytes + bytes > this.maxBytes) this.runUntil(Number.POSITIVE_INFINITY, this.maxBytes - bytes)
    this.tasks.push(task)
    this.sizes.push(bytes)
    this.bytes += bytes
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.slice)
    }
  }

  private readonly slice = (): void => {
    this.runUntil(performance.now() + this.sliceMs)
    if (this.length > 0) setImmediate(this.slice)
    else this.scheduled = false
  }

  /** Run callbacks until the deadline passes, or (with `underBytes`) until that few bytes wait. */
  private runUntil(deadline: number, underBytes = -1): void {
    while (this.head < this.tasks.length && this.bytes > underBytes) {
      const task = this.tasks[this.head]!
      this.tasks[this.head] = undefined
      this.bytes -= this.sizes[this.head++]!
      try {
        task()
      } catch (err) {
        this.failures++
        this.onError(err)
      }
      // The clock is read every 8 tasks: a frame takes tens of microseconds, a read far less.
      if ((this.head & 7) === 0 && performance.now() >= deadline) break
    }
    if (this.head >= this.tasks.length) {
      this.tasks = []
      this.sizes = []
      this.head = 0
    } else if (this.head > 4096) {
      // Drop the consumed prefix now and then so a long backlog does not keep its array.
      this.tasks = this.tasks.slice(this.head)
      this.sizes = this.sizes.slice(this.head)
      this.head = 0
    }
  }
}

/**
 * One socket's way into its connector's queue: callbacks keep their arrival order and are
 * skipped once `open()` is false (the session has settled; nothing more from that socket may
 * reach the supervisor). A callback that throws is logged through `onError` (the session's
 * log) and counted by the queue.
 */
export function socketLane(queue: SlicedQueue, open: () => boolean, onError: (err: unknown) => void) {
  return (fn: () => void, bytes = 0): void =>
    queue.push(() => {
      if (!open()) return
      try {
        fn()
      } catch (err) {
        onError(err)
        throw err
      }
    }, bytes)
}

/** What a `ws` message holds, for `push`'s byte count. */
export function rawDataBytes(data: WebSocket.RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.byteLength, 0) : data.byteLength
}
