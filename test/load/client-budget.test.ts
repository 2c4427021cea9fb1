import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import net from 'node:net'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'
import { messageEvent } from '../support/events'
import { BridgeTestClient, HOOK_TIMEOUT_MS, SseTestClient, bridgeUrl, waitFor } from '../fanout/clients'

const BUDGET = 2 * 1024 * 1024
const STALLED_WS = 3
const STALLED_SSE = 2

/** A TCP client that sends a request, stops reading, and keeps what arrives once resumed. */
async function stalledClient(port: number, request: string): Promise<{ sock: net.Socket; received: () => Buffer; ended: Promise<void> }> {
  const chunks: Buffer[] = []
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write(request)
      s.pause()
      resolve(s)
    })
    s.once('error', reject)
  })
  sock.on('error', () => {})
  sock.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()))
  return { sock, received: () => Buffer.concat(chunks), ended }
}

/** The status code of the last WebSocket close frame (opcode 0x8) in raw server bytes. */
function closeCode(bytes: Buffer): number | undefined {
  const headerEnd = bytes.indexOf('\r\n\r\n')
  let i = headerEnd < 0 ? 0 : headerEnd + 4
  let code: number | undefined
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i]! & 0x0f
    let len = bytes[i + 1]! & 0x7f
    let at = i + 2
    if (len === 126) {
      len = bytes.readUInt16BE(at)
      at += 2
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(at))
      at += 8
    }
    if (at + len > bytes.length) break
    if (opcode === 0x8 && len >= 2) code = bytes.readUInt16BE(at)
    i = at + len
  }
  return code
}

describe('CLIENT_BUFFER_TOTAL: one budget for every client queue', () => {
  let app: App

  beforeAll(async () => {
    // Each client's own limit is far above the total: only the shared budget can cut here.
    app = await startTestApp({ WEBSOCKET_BRIDGE: 'true', CLIENT_MAX_BUFFER: String(64 * 1024 * 1024), CLIENT_BUFFER_TOTAL: String(BUDGET) })
  }, HOOK_TIMEOUT_MS)
  afterAll(() => app.stop(), HOOK_TIMEOUT_MS)

  test('over budget the stalled clients are cut (close 4008 / lef-error); readers keep everything', async () => {
    const port = Number(new URL(app.url).port)
    const wsUpgrade =
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
    const stalledWs = await Promise.all(Array.from({ length: STALLED_WS }, () => stalledClient(port, wsUpgrade)))
    const stalledSse = await Promise.all(Array.from({ length: STALLED_SSE }, () => stalledClient(port, 'GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n')))
    const reader = new BridgeTestClient(bridgeUrl(app))
    await reader.opened()
    const sseReader = new SseTestClient(`${app.url}/sse`)
    await waitFor('all connected', () => app.bridge?.clientCount === STALLED_WS + 1 && app.sse.clientCount === STALLED_SSE + 1)

    // Resume each stalled client as soon as it is cut, so it reads its backlog and then hears why.
    const all = [...stalledWs, ...stalledSse]
    let resumed = false
    const resumeWhenCut = (async () => {
      await waitFor('every stalled client cut', () => (app.bridge?.stats.budgetCuts ?? 0) + app.sse.stats.budgetCuts >= all.length, 60_000)
      resumed = true
      for (const c of all) c.sock.resume()
    })()

    const padding = 'x'.repeat(500)
    let sent = 0
    let maxQueued = 0
    while (!resumed && sent < 200_000) {
      for (let k = 0; k < 50; k++, sent++) app.bus.publish(messageEvent(sent, { id: `budget-${sent}`, message: padding }), { stored: true })
      maxQueued = Math.max(maxQueued, app.clientBudget.stats.queuedBytes)
      await Bun.sleep(0)
    }
    await resumeWhenCut
    await Promise.all(all.map((c) => Promise.race([c.ended, Bun.sleep(5000)])))
    await waitFor('readers got everything', () => reader.events().length === sent && sseReader.ids().length === sent, 30_000)

    const wsCodes = stalledWs.map((c) => closeCode(c.received()))
    const sseTails = stalledSse.map((c) => c.received().toString('utf8'))
    const bridgeStats = app.bridge!.stats
    console.log(
      `client budget ${BUDGET} B: sent ${sent} events (~${((sent * 620) / 1024 / 1024).toFixed(0)} MB per client); cut ${bridgeStats.budgetCuts} bridge + ${app.sse.stats.budgetCuts} SSE ` +
        `(stalled ${STALLED_WS} + ${STALLED_SSE}); close codes ${wsCodes.join(',')}; SSE lef-error seen ${sseTails.filter((t) => t.includes('event: lef-error')).length}/${STALLED_SSE}; ` +
        `readers received ${reader.events().length} + ${sseReader.ids().length}, lost ${2 * sent - reader.events().length - sseReader.ids().length}; queued bytes seen at most ${maxQueued}`,
    )
    expect(bridgeStats.budgetCuts).toBe(STALLED_WS)
    expect(app.sse.stats.budgetCuts).toBe(STALLED_SSE)
    expect(bridgeStats.cutOffs).toBe(STALLED_WS)
    expect(app.bridge?.clientCount).toBe(1)
    expect(app.sse.clientCount).toBe(1)
    expect(wsCodes).toEqual(Array(STALLED_WS).fill(4008))
    for (const tail of sseTails) expect(tail).toMatch(/event: lef-error\ndata: .*CLIENT_BUFFER_TOTAL/)
    expect(new Set(reader.events().map((e) => e.id)).size).toBe(sent)

    const metrics = await (await fetch(`${app.url}/metrics`)).text()
    expect(metrics).toContain(`lef_clients_budget_cut_total{transport="bridge"} ${STALLED_WS}`)
    expect(metrics).toContain(`lef_clients_budget_cut_total{transport="sse"} ${STALLED_SSE}`)
    expect(metrics).toContain(`lef_client_buffer_total_bytes ${BUDGET}`)
    reader.close()
    sseReader.close()
  }, 90_000)
})
