import type { LefEvent } from '../events'
import type { BudgetMember, ClientBudget } from './client-budget'

/** One client connection as the fan-out sees it; the bridge and SSE each implement it. */
export interface FeedSink<P> {
  /** Queue one encoded event. False: the connection is already gone. */
  write(payload: P): boolean
  /** Bytes queued for this client that its socket has not taken yet. */
  buffered(): number
  /** Drop the connection now, telling the client why if it can still hear it: it is too slow. */
  cutOff(reason: string): void
  /** Tell the client something went wrong with its request (e.g. an unknown resume id). */
  notice(message: string): void
}

export interface FeedLimits<P> {
  sizeOf(payload: P): number
  /** CLIENT_MAX_BUFFER: queued bytes past this cut the client off. */
  maxBuffer: number
  now(): number
  /** CLIENT_BUFFER_TOTAL, shared by every feed of every transport. */
  budget?: ClientBudget
  /** `budget`: cut by the total budget rather than the client's own limit. */
  onCutOff(feed: Feed<P>, cause: 'client-limit' | 'budget'): void
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
export class Feed<P> implements BudgetMember {
  closed = false
  private pending: Array<{ id: string; payload: P }> | undefined
  private pendingBytes = 0
  private replayedIds: Set<string> | undefined
  private graceUntil = 0

  constructor(
    readonly matches: (event: LefEvent) => boolean,
    readonly sink: FeedSink<P>,
    private readonly limits: FeedLimits<P>,
  ) {
    limits.budget?.join(this)
  }

  /** Bytes queued for this client: on its socket and held back behind a replay. */
  queued(): number {
    return this.sink.buffered() + this.pendingBytes
  }

  cutForBudget(reason: string): void {
    this.cut(reason, 'budget')
  }

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
      const queued = this.queued()
      if (queued > this.limits.maxBuffer) this.cut('too slow: too many live events queued behind the replay (CLIENT_MAX_BUFFER)')
      else this.limits.budget?.record(this, queued)
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
      // A fresh upload's rows move to a later seq once stored (EventStore.restamp): one read
      // before the move comes back further on in the same replay.
      if (seen.has(id)) return
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
    this.pendingBytes = 0
    this.replayedIds = undefined
    this.limits.budget?.leave(this)
    this.limits.onClose(this)
  }

  private push(payload: P): void {
    if (!this.sink.write(payload)) {
      this.close()
      return
    }
    const queued = this.queued()
    if (queued > this.limits.maxBuffer) this.cut('too slow: send queue over CLIENT_MAX_BUFFER')
    else this.limits.budget?.record(this, queued)
  }

  private cut(reason: string, cause: 'client-limit' | 'budget' = 'client-limit'): void {
    if (this.closed) return
    this.limits.onCutOff(this, cause)
    this.sink.cutOff(reason)
    this.close()
  }
}
