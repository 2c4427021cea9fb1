import type { Logger } from 'pino'
import type { LefEvent } from '../events'
import type { EventBus } from './event-bus'
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
  replay: ReplaySource
  log: Logger
  /** Rows per store query while replaying. */
  replayPageSize?: number
  now?: () => number
}

/** Counters for `/metrics` and tests. */
export interface FanoutStats {
  /** Connected now. */
  clients: number
  /** Clients ever opened. */
  opened: number
  /** Clients dropped for not reading (queue over CLIENT_MAX_BUFFER). */
  cutOffs: number
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
  readonly stats: FanoutStats = { clients: 0, opened: 0, cutOffs: 0, resumes: 0, replayed: 0, unknownResumeIds: 0, replayFailures: 0, delivered: 0 }
  private readonly feeds = new Set<Feed<P>>()
  // Feeds indexed by the rooms they filter on (platform → room → feeds), so an event is only
  // offered to its room's clients plus the clients of every room (`anyRoom`), not to all.
  private readonly byRoom = new Map<string, Map<string, Set<Feed<P>>>>()
  private readonly anyRoom = new Set<Feed<P>>()
  private readonly roomsOf = new Map<Feed<P>, StreamFilter['rooms']>()
  private readonly limits: FeedLimits<P>
  private readonly unsubscribe: () => void

  constructor(private readonly opts: FanoutOptions<P>) {
    this.limits = {
      sizeOf: opts.sizeOf,
      maxBuffer: opts.maxBuffer,
      now: opts.now ?? Date.now,
      onCutOff: () => {
        this.stats.cutOffs++
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
    this.unsubscribe()
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
