import { Cron } from 'croner'
import type { Logger } from 'pino'
import { describeDbError } from './errors'
import type { EventStore } from './event-store'

/** Delete events older than `keepHours`, on a cron schedule. Returns a stop function. */
export function schedulePrune(opts: { store: EventStore; keepHours: number; schedule: string | null; log: Logger; timezone?: string }): () => void {
  if (!opts.schedule) return () => {}
  const job = new Cron(opts.schedule, { protect: true, timezone: opts.timezone }, async () => {
    const cutoff = Date.now() - opts.keepHours * 3_600_000
    try {
      const deleted = await opts.store.pruneBefore(cutoff)
      if (deleted > 0) opts.log.info({ deleted, keepHours: opts.keepHours }, 'pruned old events')
    } catch (err) {
      opts.log.error({ err: describeDbError(err) }, 'pruning old events failed; will try again on schedule')
    }
  })
  return () => job.stop()
}
