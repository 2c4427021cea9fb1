import { expect, test } from 'bun:test'
import { EventWriter } from '../../src/store/event-writer'
import type { NewEventRow } from '../../src/store/schema'
import { silentLog } from '../support/app'
import { messageEvent } from '../support/events'

/** A sink logging inserts and restamps in the order the database would see them. */
function loggingSink(failFirstRestamp = false) {
  const ops: string[] = []
  let failNext = failFirstRestamp
  return {
    ops,
    async insertRows(rows: NewEventRow[]) {
      ops.push(`insert ${rows.map((r) => r.id).join(',')}`)
      return new Set(rows.map((r) => r.id))
    },
    async restamp(ids: string[]) {
      if (failNext) {
        failNext = false
        throw new Error('connection reset')
      }
      ops.push(`restamp ${ids.join(',')}`)
    },
  }
}

test('an upload is restamped after the live events published before it, and before the ones after it', async () => {
  const sink = loggingSink()
  const w = new EventWriter({ sink, log: silentLog, batchSize: 100, flushMs: 5, maxBuffer: 1000 })
  w.write(messageEvent(1))
  w.write(messageEvent(2))
  w.restamp('up-1')
  w.restamp('up-2')
  w.write(messageEvent(3))
  w.restamp('up-3')
  await w.flush()
  expect(sink.ops).toEqual(['insert msg-1,msg-2', 'restamp up-1,up-2', 'insert msg-3', 'restamp up-3'])
})

test('a failed restamp is retried like a failed write; flush waits for it', async () => {
  const sink = loggingSink(true)
  const w = new EventWriter({ sink, log: silentLog, batchSize: 100, flushMs: 5, maxBuffer: 1000, retryBaseMs: 5, retryCapMs: 10 })
  w.restamp('up-1')
  w.write(messageEvent(1))
  await w.flush()
  expect(sink.ops).toEqual(['restamp up-1', 'insert msg-1'])
  expect(w.stats.failures).toBe(1)
})
