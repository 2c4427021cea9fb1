import { afterAll, expect, test } from 'bun:test'
import { openDatabase } from '../../src/store/db'
import { EventStore } from '../../src/store/event-store'
import { toEventRow } from '../../src/store/event-row'
import { exportPages } from '../../src/store/export'
import { messageEvent } from '../support/events'

// A restamp moves stored rows to a later seq while a reader pages through the table: an export
// must still send every row once.

const database = await openDatabase({})
afterAll(() => database.close())

test('an export running while rows are restamped sends each row once, none skipped', async () => {
  const store = new EventStore(database.db, database.copier)
  const t = Date.now() - 60_000
  // 30 rows sharing one event_time, so the cursor stays inside that time for several pages.
  const rows = Array.from({ length: 30 }, (_, i) => toEventRow(messageEvent(i, { timestamp: t, timestampNormalized: t }), t))
  await store.insertRows(rows)
  const sent: string[] = []
  let restamped = 0
  for await (const page of exportPages(database.db, { platform: 'bilibili', room: rows[0]!.room, pageSize: 7 })) {
    sent.push(...page.map((e) => e.id))
    if (restamped === 0) {
      // The first page's rows move behind every other row, as an upload's do once stored.
      await store.restamp(page.map((e) => e.id))
      restamped = page.length
    }
  }
  console.log(`export during restamp: rows=${rows.length} restamped=${restamped} sent=${sent.length} distinct=${new Set(sent).size}`)
  expect(restamped).toBe(7)
  expect(new Set(sent).size).toBe(rows.length)
  expect(sent).toHaveLength(rows.length)
})
