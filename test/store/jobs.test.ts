import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/store/db'
import { toEventRow } from '../../src/store/event-row'
import { EventStore } from '../../src/store/event-store'
import { schedulePrune } from '../../src/store/prune-job'
import { silentLog, startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'

describe('EVENTS_KEEP pruning on its cron', () => {
  test('deletes events received before the keep window, keeps the rest', async () => {
    const database = await openDatabase({})
    const store = new EventStore(database.db)
    const hour = 3_600_000
    await store.insertRows([toEventRow(messageEvent(1), Date.now() - 73 * hour), toEventRow(giftEvent(2), Date.now() - 73 * hour)])
    await store.insertRows([toEventRow(messageEvent(3), Date.now() - 71 * hour), toEventRow(giftEvent(4), Date.now())])
    const stop = schedulePrune({ store, keepHours: 72, schedule: '* * * * * *', log: silentLog })
    try {
      const end = Date.now() + 3000
      while ((await store.count()) !== 2 && Date.now() < end) await Bun.sleep(50)
      const left = await store.list({ platform: 'bilibili', room: '25034104', paidOnly: false, since: 0, limit: 10 })
      expect(left.map((e) => e.id).sort()).toEqual(['gift-4', 'msg-3'])
    } finally {
      stop()
      await database.close()
    }
    // A fresh in-memory PGlite alone can take over 5 s on a busy 2-core machine.
  }, 30_000)
})

describe('graceful shutdown', () => {
  test('stop() flushes events still buffered in the writer (PGlite data survives a restart)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lef-stop-'))
    try {
      // A long flush delay: without the shutdown flush these events would be lost.
      const app = await startTestApp({ DATA_DIR: dir, WRITER_FLUSH_MS: '60000', WRITER_BATCH_SIZE: '100000' })
      for (let i = 0; i < 250; i++) app.bus.publish(giftEvent(i))
      expect(app.writer.stats.buffered).toBe(250)
      await app.stop()
      const again = await startTestApp({ DATA_DIR: dir })
      expect(await again.store.count()).toBe(250)
      await again.stop()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)

  test('on PostgreSQL too', async () => {
    const db = await createTestDatabase()
    try {
      const app = await startTestApp({ DATABASE_URL: db.url, WRITER_FLUSH_MS: '60000', WRITER_BATCH_SIZE: '100000' })
      for (let i = 0; i < 250; i++) app.bus.publish(messageEvent(i))
      await app.stop()
      const database = await openDatabase({ url: db.url })
      expect(await new EventStore(database.db).count()).toBe(250)
      await database.close()
    } finally {
      await db.drop()
    }
  })
})
