import type { LefEvent } from '../events'
import type { EventStore, StreamFilter } from '../store/event-store'
import type { EventWriter } from '../store/event-writer'
import type { Feed } from './feed'

/** Where a resume reads from: the store, after the writer has flushed what this node holds. */
export interface ReplaySource {
  store: Pick<EventStore, 'seqOf' | 'after'>
  writer: Pick<EventWriter, 'flush'>
}

export type ReplayOutcome = { kind: 'replayed'; count: number } | { kind: 'unknown-id' } | { kind: 'closed' }

/**
 * Send a feed every stored event inserted after `sinceId` (that matches its filter), in
 * insertion order, then let its held-back live events through. The feed must already be
 * subscribed and holding live events, so nothing published meanwhile is lost.
 */
export async function replayInto<P>(
  feed: Feed<P>,
  sinceId: string,
  filter: StreamFilter,
  source: ReplaySource,
  encode: (event: LefEvent) => P,
  pageSize = 500,
): Promise<ReplayOutcome> {
  // Events this node published before the client subscribed may still sit in the writer.
  await source.writer.flush()
  let seq = await source.store.seqOf(sinceId)
  if (seq === undefined) return { kind: 'unknown-id' }
  let count = 0
  for (;;) {
    if (feed.closed) return { kind: 'closed' }
    const rows = await source.store.after(seq, filter, pageSize)
    for (const row of rows) {
      if (feed.closed) return { kind: 'closed' }
      feed.replayed(row.event.id, encode(row.event))
      count++
      await feed.roomToWrite()
    }
    const last = rows.at(-1)
    if (!last || rows.length < pageSize) break
    seq = last.seq
  }
  return { kind: 'replayed', count }
}
