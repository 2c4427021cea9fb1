import postgres from 'postgres'
import { openDatabase } from '../../src/store/db'
import { EventStore } from '../../src/store/event-store'
import type { NewEventRow } from '../../src/store/schema'

/**
 * lef's own write path alone: the rows lef stored, read back, deleted, and written again
 * through EventStore.insertRows in batches of `batchSize`, one batch in flight, as the
 * EventWriter does, with no connector, bus or simulator competing for the CPU. Splits the
 * end-to-end gap to COPY into "PostgreSQL INSERT path" and "everything before it".
 */
export async function storePathRate(databaseUrl: string, batchSize: number): Promise<{ rows: number; perSecond: number }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const database = await openDatabase({ url: databaseUrl, max: 2 })
  try {
    const raw = await sql`select id, platform, room, origin, type, uid, event_time, received_at, paid, price_normalized, data::text as data from events order by seq`
    const rows: NewEventRow[] = raw.map((r) => ({
      id: r.id, platform: r.platform, room: r.room, origin: Number(r.origin), type: r.type, uid: r.uid,
      eventTime: Number(r.event_time), receivedAt: Number(r.received_at), paid: r.paid, priceNormalized: r.price_normalized, data: JSON.parse(r.data),
    }))
    await sql`truncate events`
    const store = new EventStore(database.db, database.copier)
    const t0 = performance.now()
    let inserted = 0
    for (let i = 0; i < rows.length; i += batchSize) inserted += (await store.insertRows(rows.slice(i, i + batchSize))).size
    const ms = performance.now() - t0
    if (inserted !== rows.length) throw new Error(`store path inserted ${inserted} of ${rows.length} rows`)
    return { rows: rows.length, perSecond: (rows.length * 1000) / ms }
  } finally {
    await database.close()
    await sql.end()
  }
}
