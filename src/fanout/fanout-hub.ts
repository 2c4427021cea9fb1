import type { Logger } from 'pino'
import type { LefEvent } from '../events'
import type { ClientBudget } from './client-budget'
import type { EventBus } from '../bus/event-bus'
import { Feed, type FeedLimits, type FeedSink } from './feed'
import { replayInto, type ReplaySource } from './replay'
import { compileFilter, type StreamFilter } from './stream-filter'

export interface FanoutOptions<P> {
  bus: EventBus
  /** Serialise an event for this transport; done once per event, shared by every client. */
  encode(event: LefEvent): P
  sizeOf(payload: P): number
  /** CLIENT_MAX_BUFFER. */
  maxBuffer: number
  /** CLIENT_BUFFER_TOTAL, shared with the other transport's hub. */
  budget?: ClientBudget
  replay: ReplaySource
  log: Logger
  /** Rows per store query while replaying. */
  replayPageSize?: number
  now?: () => number
}

/** Up to this many clients an event is offered to all of them at once; beyond, fan-out is time-sliced. */
const SYNC_FANOUT_CLIENTS = 100
/** One fan-out slice runs this long at most before yielding to the event loop. */
const FANOUT_SLICE_MS = 4

/** Counters for `/metrics` and tests. */
export interface FanoutStats {
  /** Connected now. */
  clients: number
  /** Clients ever opened. */
  opened: number
  /** Clients dropped for being too slow: their own queue over CLIENT_MAX_BUFFER, or cut by the total budget. */
  cutOffs: number
  /** Of `cutOffs`, those cut because all queues together were over CLIENT_BUFFER_TOTAL. */
  budgetCuts: number
  /** Events waiting for their turn in the time-sliced fan-out. */
  backlog: number
  /** Resumes requested (`?since=` / `Last-Event-ID`). */
  resumes: number
  /** Stored events sent by resumes. */
  replayed: number
  /** Resumes whose id is not in the store. */
  unknownResumeIds: number
  /** Resumes that failed on the database (the client then went live without them). */
  replayFailures: number
  /** Events handed to clients live. */
  delivered: number
}

export interface OpenOptions {
  /** Resume: replay stored events after this event id before going live. */
  since?: string
}

/**
 * Fan-out of bus events to one transport's clients (the bridge has one, SSE has one). One bus
 * subscription per hub; each event is encoded once and offered to every matching client.
 */
export class FanoutHub<P> {
  readonly stats: FanoutStats = { clients: 0, opened: 0, cutOffs: 0, budgetCuts: 0, backlog: 0, resumes: 0, replayed: 0, unknownResumeIds: 0, replayFailures: 0, delivered: 0 }
  private readonly feeds = new Set<Feed<P>>()
  // Feeds indexed by the rooms they filter on (platform → room → feeds), so an event is only
  // offered to its room's clients plus the clients of every room (`anyRoom`), not to all.
  private readonly byRoom = new Map<string, Map<string, Set<Feed<P>>>>()
  private readonly anyRoom = new Set<Feed<P>>()
  private readonly roomsOf = new Map<Feed<P>, StreamFilter['rooms']>()
  private readonly limits: FeedLimits<P>
  private readonly unsubscribe: () => void
  // Events not yet offered to the clients (only while there are many of them), oldest first.
  private backlog: LefEvent[] = []
  private backlogHead = 0
  private draining = false
  private closed = false

  constructor(private readonly opts: FanoutOptions<P>) {
    this.limits = {
      sizeOf: opts.sizeOf,
      maxBuffer: opts.maxBuffer,
      budget: opts.budget,
      now: opts.now ?? Date.now,
      onCutOff: (_feed, cause) => {
        this.stats.cutOffs++
        if (cause === 'budget') this.stats.budgetCuts++
      },
      onClose: (feed) => {
        if (this.feeds.delete(feed)) this.stats.clients = this.feeds.size
        this.unindex(feed)
      },
    }
    this.unsubscribe = opts.bus.subscribe((event) => this.dispatch(event))
  }

  get size(): number {
    return this.feeds.size
  }

  /**
   * Register a client. It is subscribed before anything is read from the store, so a resume
   * cannot miss an event published while it runs. `ready` settles when the client is live.
   */
  open(filter: StreamFilter, sink: FeedSink<P>, options: OpenOptions = {}): { feed: Feed<P>; ready: Promise<void> } {
    const feed = new Feed(compileFilter(filter), sink, this.limits)
    this.feeds.add(feed)
    this.index(feed, filter.rooms)
    this.stats.clients = this.feeds.size
    this.stats.opened++
    if (options.since === undefined) return { feed, ready: Promise.resolve() }
    feed.holdLive()
    this.stats.resumes++
    return { feed, ready: this.resume(feed, options.since, filter) }
  }

  /** Stop fan-out (shutdown). Transports close their own connections. */
  close(): void {
    this.closed = true
    this.unsubscribe()
    this.backlog = []
    this.backlogHead = 0
    this.stats.backlog = 0
  }

  private async resume(feed: Feed<P>, since: string, filter: StreamFilter): Promise<void> {
    try {
      const outcome = await replayInto(feed, since, filter, this.opts.replay, this.opts.encode, this.opts.replayPageSize)
      if (outcome.kind === 'replayed') this.stats.replayed += outcome.count
      if (outcome.kind === 'unknown-id') {
        this.stats.unknownResumeIds++
        feed.sink.notice(`unknown event id ${JSON.stringify(since)}: it is not stored here (too old, pruned, or never seen); continuing with live events only`)
      }
    } catch (err) {
      this.stats.replayFailures++
      this.opts.log.error({ err }, 'resume failed reading stored events; client continues live')
      if (!feed.closed) feed.sink.notice('resume failed: stored events could not be read; continuing with live events only')
    }
    feed.goLive()
  }

  private index(feed: Feed<P>, rooms: StreamFilter['rooms']): void {
    if (!rooms || rooms.length === 0) {
      this.anyRoom.add(feed)
      return
    }
    this.roomsOf.set(feed, rooms)
    for (const r of rooms) {
      let platform = this.byRoom.get(r.platform)
      if (!platform) this.byRoom.set(r.platform, (platform = new Map()))
      let set = platform.get(r.room)
      if (!set) platform.set(r.room, (set = new Set()))
      set.add(feed)
    }
  }

  private unindex(feed: Feed<P>): void {
    this.anyRoom.delete(feed)
    const rooms = this.roomsOf.get(feed)
    if (!rooms) return
    this.roomsOf.delete(feed)
    for (const r of rooms) {
      const platform = this.byRoom.get(r.platform)
      const set = platform?.get(r.room)
      if (!platform || !set) continue
      set.delete(feed)
      if (set.size === 0) platform.delete(r.room)
      if (platform.size === 0) this.byRoom.delete(r.platform)
    }
  }

  private dispatch(event: LefEvent): void {
    if (this.feeds.size === 0 && this.backlog.length === 0) return
    // A few clients: offered right away. Many: queued and offered in slices of a few ms, so the
    // connectors' decoding, the writer and lease renewals run between slices instead of after
    // the whole fan-out of a burst.
    if (this.backlog.length === 0 && this.feeds.size <= SYNC_FANOUT_CLIENTS) {
      this.deliver(event)
      return
    }
    this.backlog.push(event)
    this.stats.backlog = this.backlog.length - this.backlogHead
    if (!this.draining) {
      this.draining = true
      setImmediate(() => this.drain())
    }
  }

  private drain(): void {
    const until = performance.now() + FANOUT_SLICE_MS
    while (this.backlogHead < this.backlog.length) {
      const event = this.backlog[this.backlogHead] as LefEvent
      this.backlog[this.backlogHead++] = undefined as unknown as LefEvent
      this.deliver(event)
      if (performance.now() >= until) break
    }
    if (this.backlogHead >= this.backlog.length || this.closed) {
      this.backlog = []
      this.backlogHead = 0
      this.stats.backlog = 0
      this.draining = false
      return
    }
    // Compact now and then so the array does not keep every event ever queued.
    if (this.backlogHead > 4096 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead)
      this.backlogHead = 0
    }
    this.stats.backlog = this.backlog.length - this.backlogHead
    setImmediate(() => this.drain())
  }

  private deliver(event: LefEvent): void {
    if (this.feeds.size === 0) return
    let payload: P | undefined
    const roomFeeds = this.byRoom.get(event.platform)?.get(event.room)
    for (const candidates of roomFeeds ? [this.anyRoom, roomFeeds] : [this.anyRoom]) {
      for (const feed of candidates) {
        // Still checked: the type filter, and a feed closed while this loop runs.
        if (!feed.matches(event)) continue
        payload ??= this.opts.encode(event)
        feed.offer(event, payload)
        this.stats.delivered++
      }
    }
  }
}
