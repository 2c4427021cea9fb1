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

  test('over budget the stalled clients are cut and their backlog dropped; readers keep everything', async () => {
    const port = Number(new URL(app.url).port)
    const wsUpgrade =
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
    const stalledWs = await Promise.all(Array.from({ length: STALLED_WS }, () => stalledClient(port, wsUpgrade)))
    const stalledSse = await Promise.all(Array.from({ length: STALLED_SSE }, () => stalledClient(port, 'GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n')))
    const reader = new BridgeTestClient(bridgeUrl(app))
    await reader.opened()
    const sseReader = new SseTestClient(`${app.url}/sse`)
    await waitFor('all connected', () => app.bridge?.clientCount === STALLED_WS + 1 && app.sse.clientCount === STALLED_SSE + 1)

    // Resume each stalled client once it is cut: what arrives shows how it was closed.
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
        `(stalled ${STALLED_WS} + ${STALLED_SSE}); close frames ${wsCodes.join(',')} (none: dropped with their backlog); ` +
        `readers received ${reader.events().length} + ${sseReader.ids().length}, lost ${2 * sent - reader.events().length - sseReader.ids().length}; queued bytes seen at most ${maxQueued}`,
    )
    expect(bridgeStats.budgetCuts).toBe(STALLED_WS)
    expect(app.sse.stats.budgetCuts).toBe(STALLED_SSE)
    expect(bridgeStats.cutOffs).toBe(STALLED_WS)
    expect(app.bridge?.clientCount).toBe(1)
    expect(app.sse.clientCount).toBe(1)
    // A backlog behind a close frame would be held until read: these sockets are dropped instead.
    expect(wsCodes).toEqual(Array(STALLED_WS).fill(undefined))
    for (const tail of sseTails) expect(tail).not.toContain('event: lef-error')
    expect(all.every((c) => c.sock.destroyed)).toBe(true)
    expect(new Set(reader.events().map((e) => e.id)).size).toBe(sent)

    const metrics = await (await fetch(`${app.url}/metrics`)).text()
    expect(metrics).toContain(`lef_clients_budget_cut_total{transport="bridge"} ${STALLED_WS}`)
    expect(metrics).toContain(`lef_clients_budget_cut_total{transport="sse"} ${STALLED_SSE}`)
    expect(metrics).toContain(`lef_client_buffer_total_bytes ${BUDGET}`)
    reader.close()
    sseReader.close()
    await waitFor('readers gone', () => app.bridge?.clientCount === 0 && app.sse.clientCount === 0)
  }, 90_000)

  test('a burst past the budget cuts the largest queues first; a socket with no backlog hears why (4008 / lef-error)', async () => {
    const ws = Array.from({ length: 4 }, () => new BridgeTestClient(bridgeUrl(app)))
    await Promise.all(ws.map((c) => c.opened()))
    const sse = Array.from({ length: 2 }, () => new SseTestClient(`${app.url}/sse`))
    await waitFor('all connected', () => app.bridge?.clientCount === 4 && app.sse.clientCount === 2)
    // One client also follows a single room: its queue is the smallest, so it must survive.
    const small = new BridgeTestClient(bridgeUrl(app, { rooms: '25034104' }))
    await small.opened()
    await waitFor('small connected', () => app.bridge?.clientCount === 5)
    const cutBefore = app.bridge!.stats.budgetCuts + app.sse.stats.budgetCuts
    const padding = 'y'.repeat(500)
    const burst = 600
    // One tick: ~370 KB for each of six clients (~2.2 MB) against a 2 MB budget.
    for (let i = 0; i < burst; i++) {
      const room = i < burst - 10 ? '1' : '25034104'
      app.bus.publish(messageEvent(i, { id: `burst-${i}`, message: padding, room, origin: Number(room) }), { stored: true })
    }
    await waitFor('cut clients closed', () => ws.filter((c) => c.closed).length + sse.filter((c) => c.ended).length === app.bridge!.stats.budgetCuts + app.sse.stats.budgetCuts - cutBefore, 10_000)
    await Bun.sleep(300)
    const cut = app.bridge!.stats.budgetCuts + app.sse.stats.budgetCuts - cutBefore
    const cutWs = ws.filter((c) => c.closed)
    const cutSse = sse.filter((c) => c.ended)
    const survivors = [...ws.filter((c) => !c.closed)]
    await waitFor('survivors got the burst', () => survivors.every((c) => c.events().length === burst) && small.events().length === 10, 10_000)
    console.log(
      `burst of ${burst} events (~${((burst * 620) / 1024).toFixed(0)} KB per client) to 4 bridge + 2 SSE + 1 single-room client, budget ${BUDGET} B: ` +
        `cut ${cut} (${cutWs.length} bridge, close codes ${cutWs.map((c) => c.closeCode).join(',')}; ${cutSse.length} SSE, lef-error seen ${cutSse.filter((c) => c.messages.some((m) => m.event === 'lef-error')).length}); ` +
        `survivors got ${survivors.map((c) => c.events().length).join(',')} of ${burst}; single-room client got ${small.events().length} of 10`,
    )
    expect(cut).toBeGreaterThanOrEqual(1)
    expect(cutWs.length + cutSse.length).toBe(cut)
    expect(small.closed).toBe(false)
    for (const c of cutWs) expect(c.closeCode).toBe(4008)
    for (const c of cutSse) expect(c.messages.find((m) => m.event === 'lef-error')?.data).toContain('CLIENT_BUFFER_TOTAL')
    for (const c of [...ws, small]) c.close()
    for (const c of sse) c.close()
  }, 60_000)
})
