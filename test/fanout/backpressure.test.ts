import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import net from 'node:net'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'
import { messageEvent } from '../support/events'
import { HOOK_TIMEOUT_MS, BridgeTestClient, SseTestClient, bridgeUrl, stalledClient, waitFor } from './clients'

const PASSWORD = 'bridge-secret-4'
const MAX_BUFFER = 64 * 1024


describe('backpressure: a client that stops reading is cut off', () => {
  let app: App

  beforeAll(async () => {
    app = await startTestApp({ WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, CLIENT_MAX_BUFFER: String(MAX_BUFFER) })
  }, HOOK_TIMEOUT_MS)
  afterAll(() => app.stop(), HOOK_TIMEOUT_MS)

  /** Publish `count` events of ~600 bytes in small batches, yielding between them so readers keep up. */
  async function publishLoad(from: number, count: number): Promise<void> {
    const padding = 'x'.repeat(400)
    for (let i = from; i < from + count; i += 50) {
      for (let k = i; k < Math.min(from + count, i + 50); k++) {
        app.bus.publish(messageEvent(k, { id: `bp-${k}`, message: padding }), { stored: true })
      }
      await Bun.sleep(0)
    }
  }

  test('stalled bridge and SSE clients are dropped at CLIENT_MAX_BUFFER; readers get everything; memory stays flat', async () => {
    const port = Number(new URL(app.url).port)
    const stalledWs = await stalledClient(
      port,
      `GET /?token=${PASSWORD} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    const stalledSse = await stalledClient(port, 'GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n')
    const reader = new BridgeTestClient(bridgeUrl(app), ['laplace-event-bridge-role-client', PASSWORD])
    await reader.opened()
    const sseReader = new SseTestClient(`${app.url}/sse`)
    await waitFor('all connected', () => app.bridge?.clientCount === 2 && app.sse.clientCount === 2)

    // ~24 MB per client: far past what the kernel's loopback buffers can hide.
    const total = 40_000
    await publishLoad(0, total)
    await waitFor('stalled clients cut off', () => app.bridge?.stats.cutOffs === 1 && app.sse.stats.cutOffs === 1, 10_000)
    expect(app.bridge?.clientCount).toBe(1)

    await waitFor('readers got everything', () => reader.events().length === total && sseReader.ids().length === total, 20_000)
    const ids = reader.events().map((e) => e.id)
    expect(ids[0]).toBe('bp-0')
    expect(ids.at(-1)).toBe(`bp-${total - 1}`)
    expect(new Set(ids).size).toBe(total)
    expect(sseReader.ids().every((id, i) => id === `bp-${i}`)).toBe(true)

    // After the cut-off more load must not grow memory: nothing is queued for the stalled clients.
    Bun.gc(true)
    const before = process.memoryUsage().rss
    reader.close()
    sseReader.close()
    await publishLoad(total, total)
    Bun.gc(true)
    const grownMb = (process.memoryUsage().rss - before) / 1024 / 1024
    expect(grownMb).toBeLessThan(40)
    expect(app.bridge?.stats.cutOffs).toBe(1)
    expect(app.sse.stats.cutOffs).toBe(1)

    // The server really let go of the stalled sockets.
    const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))
    stalledWs.resume()
    stalledSse.resume()
    await Promise.all([closed(stalledWs), closed(stalledSse)])
    await waitFor('sse map cleaned', () => app.sse.clientCount === 0, 3000)
  }, 60_000)
})
