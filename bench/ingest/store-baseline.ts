import postgres from 'postgres'
import { openDatabase } from '../../src/store/db'
import { EventStore } from '../../src/store/event-store'
import type { NewEventRow } from '../../src/store/schema'

/**
 * lef's own write path alone: `rows` (lef's rows of the last round, see lefRowsOf) written into
 * an emptied `events` through EventStore.insertRows in batches of `batchSize`, one batch in
 * flight, as the EventWriter does, with no connector, bus or simulator competing for the CPU.
 * Splits the end-to-end gap to COPY into "the write path" and "everything before it".
 */
export async function storePathRate(databaseUrl: string, batchSize: number, rows: readonly NewEventRow[]): Promise<{ rows: number; perSecond: number }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const database = await openDatabase({ url: databaseUrl, max: 2 })
  try {
    // Fresh row objects: each carries its COPY line once encoded, and the store must encode them
    // here as the writer would.
    const fresh: NewEventRow[] = rows.map((r) => ({
      id: r.id, platform: r.platform, room: r.room, origin: r.origin, type: r.type, uid: r.uid,
      eventTime: r.eventTime, receivedAt: r.receivedAt, paid: r.paid, priceNormalized: r.priceNormalized, data: r.data,
    }))
    await sql`truncate events`
    const store = new EventStore(database.db, database.copier)
    const t0 = performance.now()
    let inserted = 0
    for (let i = 0; i < fresh.length; i += batchSize) inserted += (await store.insertRows(fresh.slice(i, i + batchSize))).size
    const ms = performance.now() - t0
    if (inserted !== fresh.length) throw new Error(`store path inserted ${inserted} of ${fresh.length} rows`)
    return { rows: fresh.length, perSecond: (fresh.length * 1000) / ms }
  } finally {
    await database.close()
    await sql.end()
  }
}
