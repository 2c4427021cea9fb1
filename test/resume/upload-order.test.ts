import { afterAll, expect, test } from 'bun:test'
import postgres from 'postgres'
import type { App } from '../../src/app'
import { upload } from '../fanout/clients'
import { startTestApp } from '../support/app'
import { messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'

// Uploads posted one after another are restamped while the next ones are already stored: stored
// order (seq), which resume follows, must still be the order they were posted in.

const UPLOADS = 20
const PER_UPLOAD = 500
let app: App | undefined
let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined
afterAll(async () => {
  await app?.stop()
  await db?.drop()
})

test('uploads in a row are stored in the order they were posted', async () => {
  db = await createTestDatabase()
  app = await startTestApp({ DATABASE_URL: db.url, UPLOAD_KEY: 'k' })
  for (let i = 0; i < UPLOADS * PER_UPLOAD; i += PER_UPLOAD) {
    const events = Array.from({ length: PER_UPLOAD }, (_, k) => messageEvent(i + k, { id: `u${i + k}`, message: `m ${i + k}` }))
    await upload({ url: app.url }, 'k', events)
  }
  await app.writer.flush()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  const ids = (await sql<Array<{ id: string }>>`select id from events order by seq`).map((r) => Number(r.id.slice(1)))
  await sql.end()
  let outOfOrder = 0
  for (let i = 1; i < ids.length; i++) if (ids[i]! < ids[i - 1]!) outOfOrder++
  console.log(`upload order: uploads=${UPLOADS}×${PER_UPLOAD} stored=${ids.length} out of order=${outOfOrder}`)
  expect(ids).toHaveLength(UPLOADS * PER_UPLOAD)
  expect(outOfOrder).toBe(0)
}, 120_000)
