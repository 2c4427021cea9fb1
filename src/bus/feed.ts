import type { LefEvent } from '../events'

/** One client connection as the fan-out sees it; the bridge and SSE each implement it. */
export interface FeedSink<P> {
  /** Queue one encoded event. False: the connection is already gone. */
  write(payload: P): boolean
  /** Bytes queued for this client that its socket has not taken yet. */
  buffered(): number
  /** Drop the connection now: the client stopped reading and its queue is over the limit. */
  cutOff(reason: string): void
  /** Tell the client something went wrong with its request (e.g. an unknown resume id). */
  notice(message: string): void
}

export interface FeedLimits<P> {
  sizeOf(payload: P): number
  /** CLIENT_MAX_BUFFER: queued bytes past this cut the client off. */
  maxBuffer: number
  now(): number
  onCutOff(feed: Feed<P>): void
  onClose(feed: Feed<P>): void
}

/**
 * After a resume, live events are checked against recently replayed ids for this long: an
 * upload is stored before it is published, so it can be replayed and then arrive live.
 */
const SEAM_GRACE_MS = 10_000
/** Replayed ids remembered for the seam check; only the newest matter there. */
const SEAM_MEMORY = 20_000

/**
 * One client's subscription. Live by default; while a resume replays stored events it holds
 * live events back (bounded by the client's byte limit) and lets them through afterwards,
 * skipping those the replay already sent — no gap and no duplicate at the seam.
 */
export class Feed<P> {
  closed = false
  private pending: Array<{ id: string; payload: P }> | undefined
  private pendingBytes = 0
  private replayedIds: Set<string> | undefined
  private graceUntil = 0

  constructor(
    readonly matches: (event: LefEvent) => boolean,
    readonly sink: FeedSink<P>,
    private readonly limits: FeedLimits<P>,
  ) {}

  get replaying(): boolean {
    return this.pending !== undefined
  }

  /** Hold live events back until `goLive()` (call before the replay starts reading the store). */
  holdLive(): void {
    this.pending ??= []
    this.replayedIds ??= new Set()
  }

  /** A live event from the bus (already known to match the filter). */
  offer(event: LefEvent, payload: P): void {
    if (this.closed) return
    if (this.pending) {
      this.pending.push({ id: event.id, payload })
      this.pendingBytes += this.limits.sizeOf(payload)
      if (this.pendingBytes + this.sink.buffered() > this.limits.maxBuffer) this.cut('too many live events queued behind the replay')
      return
    }
    if (this.replayedIds) {
      if (this.limits.now() > this.graceUntil) this.replayedIds = undefined
      else if (this.replayedIds.has(event.id)) return
    }
    this.push(payload)
  }

  /** A stored event sent by the replay. */
  replayed(id: string, payload: P): void {
    if (this.closed) return
    const seen = this.replayedIds
    if (seen) {
      seen.add(id)
      if (seen.size > SEAM_MEMORY) {
        const oldest = seen.values().next().value
        if (oldest !== undefined) seen.delete(oldest)
      }
    }
    this.push(payload)
  }

  /** End of the replay: send the held-back live events the replay did not already send. */
  goLive(): void {
    const pending = this.pending
    if (!pending) return
    this.pending = undefined
    this.pendingBytes = 0
    this.graceUntil = this.limits.now() + SEAM_GRACE_MS
    for (const p of pending) {
      if (this.closed) return
      if (this.replayedIds?.has(p.id)) continue
      this.push(p.payload)
    }
  }

  /** Resolves once the client's queue is below half the limit (replay pacing), or it closed. */
  async roomToWrite(pollMs = 10): Promise<void> {
    while (!this.closed && this.sink.buffered() > this.limits.maxBuffer / 2) await Bun.sleep(pollMs)
  }

  /** The connection ended (the transport calls this). */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.pending = undefined
    this.replayedIds = undefined
    this.limits.onClose(this)
  }

  private push(payload: P): void {
    if (!this.sink.write(payload)) {
      this.close()
      return
    }
    if (this.sink.buffered() > this.limits.maxBuffer) this.cut('client is not reading; send buffer over CLIENT_MAX_BUFFER')
  }

  private cut(reason: string): void {
    if (this.closed) return
    this.limits.onCutOff(this)
    this.sink.cutOff(reason)
    this.close()
  }
}
