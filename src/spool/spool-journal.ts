import type { WriterJournal } from '../store/event-writer'
import type { Spool } from './spool'

/** The spool as the writer's journal: each queued row is spooled as its event and receive time. */
export function spoolJournal(spool: Spool): WriterJournal {
  return {
    append: (row) => spool.append({ event: row.data, receivedAt: row.receivedAt }, row.paid),
    release: (ticket) => spool.release(ticket),
  }
}
