import type { Logger } from 'pino'
import { toEventRow } from '../store/event-row'
import type { EventWriter } from '../store/event-writer'
import type { Spool } from './spool'

export interface SpoolReplayOptions {
  spool: Spool
  writer: Pick<EventWriter, 'restore' | 'stats'>
  log: Logger
  /** Hand the writer no more while it holds this many rows: a large spool never sits in memory whole. */
  maxBuffered: number
  signal: AbortSignal
  pollMs?: number
}

/**
 * Feed the events an earlier run left in the spool to the writer, segment by segment, paced on
 * the writer's buffer. Each is released from the spool once stored; whatever is not reached
 * before `signal` aborts stays on disk for the next start. Resolves with the number replayed.
 */
export async function replaySpool(opts: SpoolReplayOptions): Promise<number> {
  const waiting = opts.spool.backlogSegments
  if (waiting === 0) return 0
  opts.log.info({ segments: waiting }, 'spool: replaying events left by the last run')
  let replayed = 0
  for (;;) {
    if (opts.signal.aborted) break
    const records = await opts.spool.recover()
    if (!records) break
    for (const r of records) {
      while (opts.writer.stats.buffered >= opts.maxBuffered && !opts.signal.aborted) await Bun.sleep(opts.pollMs ?? 50)
      if (opts.signal.aborted || !opts.writer.restore(toEventRow(r.event, r.receivedAt), r.ticket)) {
        opts.log.info({ replayed }, 'spool: replay stopped by shutdown; the rest stays in the spool')
        return replayed
      }
      replayed++
    }
  }
  opts.log.info({ replayed, corrupt: opts.spool.stats.corrupt }, 'spool: replay handed every event to the writer')
  return replayed
}
