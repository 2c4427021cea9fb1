import { expect, test } from 'bun:test'
import pino from 'pino'
import { Writable } from 'node:stream'
import { RefusedEvents } from '../../src/events/refused-events'
import { startTestApp } from '../support/app'
import { messageEvent } from '../support/events'

test('RefusedEvents counts every refusal by reason and logs at most once a second per reason', async () => {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, done) => (lines.push(JSON.parse(String(c))), done()) }))
  let now = 0
  const refused = new RefusedEvents(log, () => now)
  for (let i = 0; i < 5; i++) refused.refuse('buffer full', messageEvent(i))
  refused.refuse('writer closed', messageEvent(9))
  now = 1500
  refused.refuse('buffer full', messageEvent(10))
  expect(refused.snapshot()).toEqual({ 'buffer full': 6, 'writer closed': 1 })
  expect(refused.total).toBe(7)
  await Bun.sleep(20)
  expect(lines.map((l) => [l.reason, l.refused, l.id])).toEqual([
    ['buffer full', 1, 'msg-0'],
    ['writer closed', 1, 'msg-9'],
    ['buffer full', 6, 'msg-10'],
  ])
})

test('an event the writer refuses shows in lef_events_refused_total', async () => {
  const app = await startTestApp()
  try {
    await app.writer.close()
    expect(app.writer.write(messageEvent(1))).toBe(false)
    const metrics = await (await fetch(`${app.url}/metrics`)).text()
    expect(metrics).toContain('lef_events_refused_total{reason="writer closed"} 1')
  } finally {
    await app.stop()
  }
}, 30_000)
