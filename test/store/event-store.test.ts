import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { openDatabase, type Database } from '../../src/store/db'
import { toEventRow } from '../../src/store/event-row'
import { EventStore } from '../../src/store/event-store'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'

// The same behaviour on both drivers: each block runs on embedded PGlite and on the real server.
const backends = [
  { name: 'PGlite', open: async () => ({ database: await openDatabase({}), drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    open: async () => {
      const t = await createTestDatabase()
      return { database: await openDatabase({ url: t.url }), drop: t.drop }
    },
  },
]

for (const backend of backends) {
  describe(`EventStore on ${backend.name}`, () => {
    let database: Database
    let store: EventStore
    let drop: () => Promise<void>

    beforeAll(async () => {
      const opened = await backend.open()
      database = opened.database
      drop = opened.drop
      store = new EventStore(database.db, database.copier)
    })
    afterAll(async () => {
      await database.close()
      await drop()
    })

    test('migrations created the table; ping works', async () => {
      await database.ping()
      expect(await store.count()).toBe(0)
    })

    test('insert skips ids already stored and reports which were new', async () => {
      const now = Date.now()
      const first = await store.insertRows([giftEvent(1), giftEvent(2)].map((e) => toEventRow(e, now)))
      expect([...first].sort()).toEqual(['gift-1', 'gift-2'])
      const second = await store.insertRows([giftEvent(2), giftEvent(3), giftEvent(3)].map((e) => toEventRow(e, now)))
      expect([...second]).toEqual(['gift-3'])
      expect(await store.count()).toBe(3)
    })

    test('list: paid only by default, oldest first, since and limit', async () => {
      const now = Date.now()
      const base = now - 60_000
      await store.insertRows([
        toEventRow(messageEvent(10, { timestamp: base + 3, timestampNormalized: base + 3 }), now),
        toEventRow(giftEvent(11, { timestamp: base + 2, timestampNormalized: base + 2, room: '7777', origin: 7777 }), now),
        toEventRow(giftEvent(12, { timestamp: base + 1, timestampNormalized: base + 1, room: '7777', origin: 7777 }), now),
        toEventRow(giftEvent(13, { coinType: 'silver', price: 0, priceNormalized: 0, timestamp: base, timestampNormalized: base, room: '7777', origin: 7777 }), now),
        toEventRow(messageEvent(14, { timestamp: base + 4, timestampNormalized: base + 4, room: '7777', origin: 7777 }), now),
      ])
      const paid = await store.list({ platform: 'bilibili', room: '7777', paidOnly: true, since: 0, limit: 100 })
      expect(paid.map((e) => e.id)).toEqual(['gift-12', 'gift-11'])
      const all = await store.list({ platform: 'bilibili', room: '7777', paidOnly: false, since: 0, limit: 100 })
      expect(all.map((e) => e.id)).toEqual(['gift-13', 'gift-12', 'gift-11', 'msg-14'])
      const later = await store.list({ platform: 'bilibili', room: '7777', paidOnly: false, since: base + 2, limit: 1 })
      expect(later.map((e) => e.id)).toEqual(['gift-11'])
      // The whole event comes back as stored.
      expect(all[1]).toMatchObject({ type: 'gift', giftName: '小花花', priceNormalized: 3, platform: 'bilibili', room: '7777' })
    })

    test('after(seq) resumes in insertion order with room and type filters', async () => {
      const now = Date.now()
      await store.insertRows([giftEvent(20, { room: 'r2' }), messageEvent(21, { room: 'r2' }), giftEvent(22, { room: 'r3' }), giftEvent(23, { room: 'r2' })].map((e) => toEventRow(e, now)))
      const seq = await store.seqOf('gift-20')
      expect(typeof seq).toBe('bigint')
      const rest = await store.after(seq!, {}, 100)
      expect(rest.map((r) => r.event.id)).toEqual(['msg-21', 'gift-22', 'gift-23'])
      const giftsInR2 = await store.after(seq!, { rooms: [{ platform: 'bilibili', room: 'r2' }], types: ['gift'] }, 100)
      expect(giftsInR2.map((r) => r.event.id)).toEqual(['gift-23'])
      expect(await store.seqOf('no-such-id')).toBeUndefined()
    })

    test('an atomic insert commits nothing when one row fails', async () => {
      const before = await store.count()
      const bad = toEventRow(giftEvent(30), Date.now())
      // A NUL byte in jsonb text is refused by PostgreSQL: the whole batch must roll back.
      const poisoned = { ...toEventRow(giftEvent(31), Date.now()), data: { ...giftEvent(31), username: 'a\u0000b' } }
      await expect(store.insertRowsAtomically([bad, poisoned])).rejects.toThrow()
      expect(await store.count()).toBe(before)
    })

    test('pruneBefore deletes by receive time, in slices', async () => {
      const old = Date.now() - 100 * 3_600_000
      await store.insertRows(Array.from({ length: 25 }, (_, i) => toEventRow(messageEvent(100 + i, { room: 'old' }), old)))
      const before = await store.count()
      expect(await store.pruneBefore(Date.now() - 72 * 3_600_000, 10)).toBe(25)
      expect(await store.count()).toBe(before - 25)
    })
  })
}
