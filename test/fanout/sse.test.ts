import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { EventSource } from 'eventsource'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { HOOK_TIMEOUT_MS, SseTestClient, upload, waitFor } from './clients'

const UPLOAD_KEY = 'upload-key-3'
const AUTH_KEY = 'auth-key-3'

describe('GET /sse', () => {
  let app: App
  const sseUrl = (query: Record<string, string> = {}) => {
    const u = new URL(`${app.url}/sse`)
    u.searchParams.set('token', AUTH_KEY)
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
    return u.toString()
  }

  beforeAll(async () => {
    app = await startTestApp({ UPLOAD_KEY, AUTH_KEY, SSE_KEEPALIVE: '100' })
  }, HOOK_TIMEOUT_MS)
  afterAll(() => app.stop(), HOOK_TIMEOUT_MS)

  test('a real EventSource gets typed events with their ids', async () => {
    const es = new EventSource(sseUrl({ rooms: '880001' }))
    const got: Array<{ type: string; id: string; data: { giftName?: string; message?: string } }> = []
    for (const type of ['gift', 'message']) {
      es.addEventListener(type, (e) => got.push({ type: e.type, id: e.lastEventId, data: JSON.parse(e.data) }))
    }
    await new Promise((resolve) => (es.onopen = resolve))
    await waitFor('subscribed', () => app.sse.clientCount === 1)
    await upload(app, UPLOAD_KEY, [
      giftEvent(1, { id: 'sse-gift-1', room: '880001', origin: 880001 }),
      messageEvent(2, { id: 'sse-msg-2', room: '880001', origin: 880001 }),
      messageEvent(3, { id: 'sse-other-room', room: '880002', origin: 880002 }),
    ])
    await waitFor('2 events', () => got.length === 2)
    expect(got).toEqual([
      { type: 'gift', id: 'sse-gift-1', data: expect.objectContaining({ giftName: '小花花' }) },
      { type: 'message', id: 'sse-msg-2', data: expect.objectContaining({ message: 'hello 2' }) },
    ])
    es.close()
  })

  test('retry:, a connected comment and keep-alive comments every SSE_KEEPALIVE ms', async () => {
    const c = new SseTestClient(sseUrl())
    await waitFor('3 keep-alives', () => c.messages.filter((m) => m.comment === 'keep-alive').length >= 3, 3000)
    expect(c.status).toBe(200)
    expect(c.messages[0]).toEqual({ retry: 3000 })
    expect(c.messages[1]).toEqual({ comment: 'connected to lef' })
    c.close()
  })

  test('AUTH_KEY guards it', async () => {
    const res = await fetch(`${app.url}/sse`)
    expect(res.status).toBe(401)
    const bad = await fetch(`${app.url}/sse?types=gift,nope`, { headers: { authorization: `Bearer ${AUTH_KEY}` } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { message: string }).message).toContain('unknown event type(s) in types: "nope"')
  })

  test('Last-Event-ID (header or ?lastEventId=) resumes from the database, types filter applied', async () => {
    const room = { room: '880003', origin: 880003 }
    await upload(app, UPLOAD_KEY, [
      messageEvent(1, { id: 'r-1', ...room }), giftEvent(2, { id: 'r-2', ...room }), messageEvent(3, { id: 'r-3', ...room }),
      giftEvent(4, { id: 'r-4', ...room }), messageEvent(5, { id: 'r-5', ...room }),
    ])
    const byHeader = new SseTestClient(sseUrl({ rooms: '880003' }), { 'Last-Event-ID': 'r-2' })
    const byQuery = new SseTestClient(sseUrl({ rooms: '880003', types: 'gift', lastEventId: 'r-1' }))
    await waitFor('replays', () => byHeader.ids().length === 3 && byQuery.ids().length === 2)
    expect(byHeader.ids()).toEqual(['r-3', 'r-4', 'r-5'])
    expect(byQuery.ids()).toEqual(['r-2', 'r-4'])
    expect(byQuery.events().map((m) => m.event)).toEqual(['gift', 'gift'])
    byHeader.close()
    byQuery.close()
  })

  test('an unknown Last-Event-ID gives a lef-error event, then live events', async () => {
    const c = new SseTestClient(sseUrl({ rooms: '880004' }), { 'Last-Event-ID': 'gone-id' })
    await waitFor('error', () => c.events().find((m) => m.event === 'lef-error'))
    const err = JSON.parse(c.events()[0]?.data ?? '{}') as { message: string }
    expect(err.message).toContain('unknown event id "gone-id"')
    await upload(app, UPLOAD_KEY, [messageEvent(1, { id: 'live-after-unknown', room: '880004', origin: 880004 })])
    await waitFor('live', () => c.ids().length === 1)
    expect(c.ids()).toEqual(['live-after-unknown'])
    expect(app.sse.stats.unknownResumeIds).toBeGreaterThanOrEqual(1)
    c.close()
  })

  test('no gap and no duplicate at the seam while events keep arriving', async () => {
    const room = { room: '880005', origin: 880005 }
    const total = 3000
    let published = 0
    // Live events through the bus and the writer (like a connector), a few per tick.
    const producer = (async () => {
      while (published < total) {
        for (let k = 0; k < 10 && published < total; k++, published++) app.bus.publish(messageEvent(published, { id: `seam-${published}`, ...room }))
        await Bun.sleep(1)
      }
    })()
    await waitFor('some published', () => published >= 600)
    await app.writer.flush()
    // Resume from an event that is certainly stored while publishing goes on.
    const clients = [100, 300, 500].map((n) => ({ from: n, c: new SseTestClient(sseUrl({ rooms: '880005' }), { 'Last-Event-ID': `seam-${n}` }) }))
    await producer
    for (const { from, c } of clients) {
      await waitFor(`all after seam-${from}`, () => c.ids().length >= total - from - 1, 10_000)
      await Bun.sleep(50)
      const expected = Array.from({ length: total - from - 1 }, (_, i) => `seam-${from + 1 + i}`)
      expect(c.ids()).toEqual(expected)
      c.close()
    }
    expect(app.sse.stats.replayFailures).toBe(0)
    // The resumes really did read from the store (not only live delivery).
    expect(app.sse.stats.replayed).toBeGreaterThanOrEqual(3 * 99)
  })

  test('a client dropped mid-burst reconnects with Last-Event-ID and gets exactly what it missed', async () => {
    const room = { room: '880006', origin: 880006 }
    const total = 2000
    const first = new SseTestClient(sseUrl({ rooms: '880006' }))
    await waitFor('connected', () => first.messages.length >= 2)
    let published = 0
    const producer = (async () => {
      while (published < total) {
        const batch = Array.from({ length: 100 }, (_, k) => messageEvent(published + k, { id: `drop-${published + k}`, ...room }))
        await upload(app, UPLOAD_KEY, batch)
        published += batch.length
      }
    })()
    await waitFor('some received', () => first.ids().length >= 300, 10_000)
    first.close()
    await first.done
    const seen = first.ids()
    const last = seen.at(-1) ?? ''
    const second = new SseTestClient(sseUrl({ rooms: '880006' }), { 'Last-Event-ID': last })
    await producer
    await waitFor('rest', () => seen.length + second.ids().length >= total, 10_000)
    await Bun.sleep(50)
    const all = [...seen, ...second.ids()]
    expect(all).toEqual(Array.from({ length: total }, (_, i) => `drop-${i}`))
    expect(seen.length).toBeLessThan(total)
    second.close()
  })
})
