import type { LefEvent } from '../../events'
import type { EventStore } from '../../store/event-store'
import { toEventRow } from '../../store/event-row'
import type { NewEventRow } from '../../store/schema'
import { ApiError } from '../api-error'
import type { UploadBody } from './parse-upload'

/** Rows per insert statement of an upload: small enough that no single step holds the event loop long. */
const ROWS_PER_STEP = 500

export interface WriteUploadOptions {
  store: Pick<EventStore, 'atomically'>
  /** UPLOAD_WRITE_TIMEOUT: each database step (begin, one insert, commit) must finish within this. */
  stepTimeoutMs: number
  /** Retry-After (seconds) of the 503 a timed-out write answers. */
  retryAfterSeconds: number
  now?: () => number
}

/** A write that gave up: the database did not answer one of its steps in time. */
export class UploadTimeoutError extends ApiError {
  constructor(
    readonly timeoutMs: number,
    readonly retryAfterSeconds: number,
  ) {
    super(503, `Database too slow: an upload write step did not finish within ${timeoutMs} ms (UPLOAD_WRITE_TIMEOUT); nothing is confirmed stored, retry later (ids deduplicate)`)
  }
}

/**
 * Store a validated upload in one transaction, inserted in steps as its events are parsed, so
 * only one step's rows are in memory. Answers the ids that were new. A step that takes longer
 * than the timeout fails the request with a 503 at once; the transaction is rolled back as soon
 * as the database answers again.
 */
export async function writeUpload(body: UploadBody, opts: WriteUploadOptions): Promise<Set<string>> {
  const now = opts.now ?? Date.now
  const receivedAt = now()
  const deadline = new StepDeadline(opts.stepTimeoutMs, () => new UploadTimeoutError(opts.stepTimeoutMs, opts.retryAfterSeconds))
  const work = opts.store.atomically(async (insert) => {
    const inserted = new Set<string>()
    let rows: NewEventRow[] = []
    const step = async () => {
      deadline.check()
      deadline.arm()
      const ids = await insert(rows)
      rows = []
      deadline.check()
      for (const id of ids) inserted.add(id)
    }
    deadline.arm()
    await body.events((event: LefEvent) => {
      rows.push(toEventRow(event, receivedAt))
      if (rows.length >= ROWS_PER_STEP) return step()
    })
    if (rows.length > 0) await step()
    // The commit is the last step.
    deadline.arm()
    return inserted
  })
  try {
    return await Promise.race([work, deadline.expired])
  } finally {
    deadline.stop()
    // A write abandoned by the deadline settles later (usually a rollback); nobody awaits it.
    work.catch(() => {})
  }
}

/** Fails `expired` when a step runs past its time; `check()` throws once it has, to roll back. */
class StepDeadline {
  readonly expired: Promise<never>
  private timer: ReturnType<typeof setTimeout> | undefined
  private fail: (err: Error) => void = () => {}
  private error: Error | undefined

  constructor(
    private readonly ms: number,
    private readonly makeError: () => Error,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      this.fail = reject
    })
    this.expired.catch(() => {})
    this.arm()
  }

  arm(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.error = this.makeError()
      this.fail(this.error)
    }, this.ms)
  }

  check(): void {
    if (this.error) throw this.error
  }

  stop(): void {
    clearTimeout(this.timer)
  }
}
