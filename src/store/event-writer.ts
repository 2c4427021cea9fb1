import type { Logger } from 'pino'
import { backoffDelay } from '../backoff'
import type { LefEvent } from '../events'
import { describeDbError, isDataError } from './errors'
import { toEventRow } from './event-row'
import type { NewEventRow } from './schema'

// Encoding ahead yields to the event loop this often (ms).
const PREPARE_SLICE_MS = 2

export interface WriterSink {
  insertRows(rows: NewEventRow[]): Promise<Set<string>>
  /**
   * Called as each row is queued: the sink may encode it then, while an earlier batch is in
   * flight, instead of between batches while the database waits for the next one.
   */
  prepare?(row: NewEventRow): void
  /**
   * Give these stored rows new positions (seq) after every row written so far, in this order.
   * See `EventWriter.restamp`.
   */
  restamp?(ids: string[]): Promise<void>
}

/**
 * A durable record of queued rows (the spool): a row is journaled as it is queued and released
 * once the database has answered for it, so a crash loses nothing the journal holds.
 */
export interface WriterJournal {
  /** Record a row; returns a ticket for `release`, or undefined when there is no room (the row is refused). */
  append(row: NewEventRow): number | undefined
  release(ticket: number): void
}

export interface EventWriterOptions {
  sink: WriterSink
  /** Where queued rows are journaled; without one a crash loses what is buffered. */
  journal?: WriterJournal
  log: Logger
  /** Flush as soon as this many rows are waiting. */
  batchSize: number
  /**
   * Rows per write at most when more are waiting (default 10 × batchSize). While one batch is
   * in flight the next ones queue up; writing them together keeps up with a burst where one
   * round trip per `batchSize` rows could not.
   */
  maxBatchRows?: number
  /** Otherwise flush this long after the first row arrived. */
  flushMs: number
  /**
   * Rows held in memory at most (while the database is slow or down). Past it, free events
   * are refused; paid events are still kept up to twice this bound, so an outage costs chat
   * lines before it costs a gift.
   */
  maxBuffer: number
  /** Told about every event refused (lef_events_refused_total); it logs them instead of the writer. */
  onRefused?: (event: LefEvent, why: string) => void
  /** Retry backoff while the database fails. */
  retryBaseMs?: number
  retryCapMs?: number
  /**
   * A batch that has not finished by then counts as failed and is retried. A dead network
   * can leave a query hanging forever; without this the writer would wait with it.
   */
  writeTimeoutMs?: number
  now?: () => number
}

export interface WriterStats {
  /** Rows new to the table. */
  written: number
  /** Rows whose id was already stored. */
  duplicates: number
  /** Rows waiting in memory now. */
  buffered: number
  /** Failed insert attempts (each is retried). */
  failures: number
  /** Rows refused because the buffer was full (logged). */
  dropped: number
  /** Rows the database rejected as invalid (logged with their id, not retried). */
  rejected: number
  /** Batches written. */
  batches: number
  /** Duration of the last successful batch, ms. */
  lastBatchMs: number
  /** Whether the last attempt failed (the database is considered down). */
  failing: boolean
}

/**
 * The one path into the `events` table for live events: rows are buffered, written in batches
 * with ON CONFLICT DO NOTHING, and kept (bounded) in memory while the database is unreachable,
 * retried with backoff until it is back.
 */
export class EventWriter {
  readonly stats: WriterStats = {
    written: 0, duplicates: 0, buffered: 0, failures: 0, dropped: 0, rejected: 0, batches: 0, lastBatchMs: 0, failing: false,
  }

  private queue: NewEventRow[] = []
  /** The journal ticket of each queued row (same positions as `queue`). */
  private tickets: Array<number | undefined> = []
  private paidQueued = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  /** Failed attempts since the last success: the backoff step. */
  private failedInARow = 0
  private closed = false
  private waiters: Array<{ upTo: number; restampsUpTo: number; resolve: () => void }> = []
  /** Restamps asked for, each after the rows accepted before it (`after` = `accepted` then). */
  private restamps: Array<{ after: number; ids: string[] }> = []
  private restampsAsked = 0
  private restampsDone = 0
  /** Rows ever accepted and rows ever settled (written, duplicate or rejected). */
  private accepted = 0
  private settled = 0
  private lastDropLog = 0
  private readonly now: () => number
  private readonly maxBatchRows: number

  constructor(private readonly opts: EventWriterOptions) {
    this.now = opts.now ?? Date.now
    this.maxBatchRows = opts.maxBatchRows ?? opts.batchSize * 10
  }

  /** Queue an event. Returns false (and counts it) if the buffer is full. */
  write(event: LefEvent): boolean {
    if (this.closed) {
      this.drop(event, 'writer closed')
      return false
    }
    const row = toEventRow(event, this.now())
    const limit = row.paid ? this.opts.maxBuffer * 2 : this.opts.maxBuffer
    if (this.queue.length >= limit) {
      this.drop(event, 'buffer full')
      return false
    }
    let ticket: number | undefined
    if (this.opts.journal) {
      ticket = this.opts.journal.append(row)
      if (ticket === undefined) {
        this.drop(event, 'spool full')
        return false
      }
    }
    this.enqueue(row, ticket)
    return true
  }

  /**
   * Queue a row read back from the journal (it is journaled already, under `ticket`). Not bound
   * by maxBuffer: the caller paces itself on `stats.buffered`. False once the writer is closed;
   * the row then stays in the journal for the next start.
   */
  restore(row: NewEventRow, ticket: number): boolean {
    if (this.closed) return false
    this.enqueue(row, ticket)
    return true
  }

  private enqueue(row: NewEventRow, ticket: number | undefined): void {
    // Only rows up to the next batch (the queue still holds the one in flight) are prepared: a
    // backlog (a slow or absent database) would hold each row twice, object and encoding.
    if (this.queue.length < 2 * this.maxBatchRows && !this.stats.failing) {
      try {
        this.opts.sink.prepare?.(row)
      } catch {
        // Not lost: the batch meets the same error when it is written, and settles the row then.
      }
    }
    this.queue.push(row)
    this.tickets.push(ticket)
    if (row.paid) this.paidQueued++
    this.accepted++
    this.stats.buffered = this.queue.length
    this.schedule()
  }

  /**
   * An event stored before it was published (an upload): give its row a position after every
   * live event published before it, once those are stored. Resume (`Last-Event-ID`, `?since=`)
   * follows stored positions; without this an upload committed while earlier live events still
   * waited here would sit before them, and a client resuming from one of those would skip it.
   */
  restamp(id: string): void {
    if (this.closed) return
    const last = this.restamps.at(-1)
    if (last && last.after === this.accepted) last.ids.push(id)
    else this.restamps.push({ after: this.accepted, ids: [id] })
    this.restampsAsked++
    this.schedule()
  }

  /** Resolves once every event queued (and restamp asked for) before this call is settled in the database. */
  flush(): Promise<void> {
    const upTo = this.accepted
    const restampsUpTo = this.restampsAsked
    if (this.settled >= upTo && this.restampsDone >= restampsUpTo) return Promise.resolve()
    const done = new Promise<void>((resolve) => this.waiters.push({ upTo, restampsUpTo, resolve }))
    this.kick()
    return done
  }

  /** Stop accepting events and write what is buffered; gives up after `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true
    const done = this.flush()
    let timer: ReturnType<typeof setTimeout> | undefined
    const gaveUp = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), timeoutMs)
      }),
    ])
    clearTimeout(timer)
    if (gaveUp && this.queue.length > 0) {
      if (this.opts.journal) this.opts.log.warn({ unwritten: this.queue.length, paid: this.paidQueued }, 'shutdown: database unavailable; buffered events stay in the spool for the next start')
      else this.opts.log.error({ unwritten: this.queue.length, paid: this.paidQueued }, 'shutdown: database unavailable, buffered events were not written')
    }
    clearTimeout(this.timer)
  }

  private drop(event: LefEvent, why: string): void {
    this.stats.dropped++
    // With a hook, the hook counts and logs it (one line per refusal reason, not two).
    if (this.opts.onRefused) return this.opts.onRefused(event, why)
    const t = this.now()
    // One line per second at most: a full buffer during an outage would otherwise flood the log.
    if (t - this.lastDropLog >= 1000) {
      this.lastDropLog = t
      this.opts.log.error({ why, id: event.id, type: event.type, room: event.room, dropped: this.stats.dropped, buffered: this.queue.length }, 'event writer refused an event')
    }
  }

  private schedule(): void {
    if (this.running) return
    if (this.queue.length >= this.opts.batchSize) {
      this.kick()
      return
    }
    if (!this.timer) this.timer = setTimeout(() => this.kick(), this.opts.flushMs)
  }

  private kick(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.running || (this.queue.length === 0 && this.restamps.length === 0)) return
    this.running = this.drain().finally(() => {
      this.running = undefined
      if (this.queue.length > 0 || this.restamps.length > 0) this.schedule()
    })
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.restamps.length > 0) {
      const next = this.restamps[0]
      if (next && next.after <= this.settled) {
        // restamp() keeps appending to the last entry while this one is in flight: take a copy,
        // and leave what arrived meanwhile for the next round.
        const ids = next.ids.slice()
        try {
          await this.opts.sink.restamp?.(ids)
        } catch (err) {
          await this.failed(err)
          continue
        }
        next.ids.splice(0, ids.length)
        if (next.ids.length === 0) this.restamps.shift()
        this.restampsDone += ids.length
        this.wakeWaiters()
        continue
      }
      // A batch stops where a restamp is due, so the rows published after it are stored after it.
      const batch = this.queue.slice(0, Math.min(this.maxBatchRows, next ? next.after - this.settled : Infinity))
      const started = this.now()
      try {
        const written = this.insertWithTimeout(batch)
        this.prepareAhead(batch.length, written)
        // A bad row settles its batch half by half; a failure of the database itself, in the
        // middle of that too, lands below and the unsettled rest is retried.
        await written.then(
          (inserted) => this.settle(batch, inserted),
          (err) => (isDataError(err) ? this.insertBisecting(batch, err) : Promise.reject(err)),
        )
        this.stats.lastBatchMs = this.now() - started
      } catch (err) {
        await this.failed(err)
      }
    }
  }

  /** A write failed: count, log (not every time), and back off before the retry. */
  private async failed(err: unknown): Promise<void> {
    this.stats.failures++
    const delay = backoffDelay(this.failedInARow++, this.opts.retryBaseMs ?? 100, this.opts.retryCapMs ?? 5000)
    if (!this.stats.failing || this.stats.failures % 50 === 0) {
      this.opts.log.error({ err: describeDbError(err), buffered: this.queue.length, retryInMs: delay }, 'event write failed; keeping events in memory and retrying')
    }
    this.stats.failing = true
    await Bun.sleep(delay)
  }

  /**
   * While a batch is in flight, encode the rows of the next one (those queued behind a backlog
   * were not prepared as they arrived), a slice at a time so decoding and HTTP keep their turn.
   * Otherwise the database would sit idle after each commit while lef encoded the next batch.
   * Stops when the batch in flight settles: the next write encodes whatever is left itself.
   */
  private prepareAhead(from: number, inFlight: Promise<unknown>): void {
    const prepare = this.opts.sink.prepare?.bind(this.opts.sink)
    if (!prepare || this.stats.failing || this.queue.length <= from) return
    const rows = this.queue.slice(from, from + this.maxBatchRows)
    let settled = false
    inFlight.then(
      () => (settled = true),
      () => (settled = true),
    )
    let i = 0
    const step = () => {
      const deadline = performance.now() + PREPARE_SLICE_MS
      while (!settled && i < rows.length) {
        try {
          prepare(rows[i++]!)
        } catch {
          // Not lost: the write meets the same error and settles the row then.
        }
        if ((i & 63) === 0 && performance.now() >= deadline) return void setImmediate(step)
      }
    }
    setImmediate(step)
  }

  private insertWithTimeout(rows: NewEventRow[]): Promise<Set<string>> {
    const ms = this.opts.writeTimeoutMs ?? 10_000
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`batch write timed out after ${ms} ms`)), ms)
    })
    return Promise.race([this.opts.sink.insertRows(rows), timeout]).finally(() => clearTimeout(timer))
  }

  /**
   * A batch with a bad row: write it in halves, and halves of the failing halves, so one bad row
   * costs about 2·log2(n) writes instead of holding back the rest or costing one write per row.
   */
  private async insertBisecting(batch: NewEventRow[], err?: unknown): Promise<void> {
    if (batch.length === 1) return this.reject(batch[0]!, err)
    const half = Math.ceil(batch.length / 2)
    for (const part of [batch.slice(0, half), batch.slice(half)]) {
      try {
        this.settle(part, await this.insertWithTimeout(part))
      } catch (partErr) {
        if (!isDataError(partErr)) throw partErr
        await this.insertBisecting(part, partErr)
      }
    }
  }

  private reject(row: NewEventRow, err: unknown): void {
    this.stats.rejected++
    this.opts.log.error({ err: describeDbError(err), id: row.id, type: row.type, room: row.room }, 'database rejected an event')
    this.settle([row], new Set(), 1)
  }

  /** The database answered for these rows: stored, already there, or rejected as invalid. */
  private settle(batch: NewEventRow[], inserted: Set<string>, rejected = 0): void {
    if (this.stats.failing) this.opts.log.info({ buffered: this.queue.length - batch.length }, 'database is back; writing buffered events')
    this.stats.failing = false
    this.failedInARow = 0
    this.queue.splice(0, batch.length)
    const tickets = this.tickets.splice(0, batch.length)
    for (const row of batch) if (row.paid) this.paidQueued--
    if (this.opts.journal) for (const t of tickets) if (t !== undefined) this.opts.journal.release(t)
    this.stats.buffered = this.queue.length
    this.stats.written += inserted.size
    this.stats.duplicates += batch.length - inserted.size - rejected
    this.stats.batches++
    this.settled += batch.length
    this.wakeWaiters()
  }

  private wakeWaiters(): void {
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((w) => {
        if (w.upTo > this.settled || w.restampsUpTo > this.restampsDone) return true
        w.resolve()
        return false
      })
    }
  }
}
