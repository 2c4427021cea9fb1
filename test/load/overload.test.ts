import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import net from 'node:net'
import postgres from 'postgres'
import { ScriptedRoom } from '../sim/bilibili/scripted-room'
import { startBilibiliSim, type BilibiliSim } from '../sim/bilibili/sim'
import { simEnv } from '../sim/sim-env'
import { stalledClient } from '../fanout/clients'
import { createTestDatabase } from '../support/pg'
import { memoryMb, probeLatency, resetPeak, startLefChild, type LefChild } from './lef-child'

const ROOM = 31_415_926
const GIFTS_PER_SECOND = 1000
const LOAD_MS = 10_000
const BRIDGE_CLIENTS = Number(process.env.OVERLOAD_BRIDGE ?? 2000)
const SSE_CLIENTS = Number(process.env.OVERLOAD_SSE ?? 1000)
/** What this test promises for lef's resident memory under this load (the k8s limit is 512 Mi). */
const RSS_BUDGET_MB = 450


async function metric(url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return text.split('\n').filter((l) => line.test(l)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
}

describe('overload: 1,000 gifts/s to 2,000 bridge + 1,000 SSE clients that never read', () => {
  let sim: BilibiliSim
  let lef: LefChild
  let db: { url: string; drop(): Promise<void> }
  let sql: postgres.Sql
  const sockets: net.Socket[] = []

  beforeAll(async () => {
    sim = await startBilibiliSim({ roomId: ROOM })
    db = await createTestDatabase()
    sql = postgres(db.url, { max: 1, onnotice: () => {} })
    lef = await startLefChild({ ...simEnv({ bilibili: sim }), DATABASE_URL: db.url, ROOMS: String(ROOM), WEBSOCKET_BRIDGE: 'true' })
  }, 60_000)
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await lef?.stop()
    await sim?.close()
    await sql?.end()
    await db?.drop()
  }, 60_000)

  test('every decoded gift is stored, the room stays connected, memory stays under budget, the slowest clients are cut', async () => {
    const port = Number(new URL(lef.url).port)
    const connectedAt = Date.now() + 30_000
    while (sim.openSockets < 1) {
      if (Date.now() > connectedAt) throw new Error('room never connected')
      await Bun.sleep(100)
    }
    const wsUpgrade =
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
    const sseRequest = 'GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n'
    for (let i = 0; i < BRIDGE_CLIENTS + SSE_CLIENTS; i += 250) {
      const batch = Array.from({ length: Math.min(250, BRIDGE_CLIENTS + SSE_CLIENTS - i) }, (_, k) => stalledClient(port, i + k < BRIDGE_CLIENTS ? wsUpgrade : sseRequest))
      sockets.push(...(await Promise.all(batch)))
    }
    const clientsDeadline = Date.now() + 30_000
    while ((await metric(lef.url, /^lef_clients\{/)) < BRIDGE_CLIENTS + SSE_CLIENTS) {
      if (Date.now() > clientsDeadline) throw new Error(`clients not all connected: ${await metric(lef.url, /^lef_clients\{/)}`)
      await Bun.sleep(100)
    }
    const connectionsBefore = sim.stats.connections
    await Bun.sleep(500)
    const idle = memoryMb(lef.pid).rss
    const peakReset = resetPeak(lef.pid)

    // Lease renewals as the database sees them: lease_expires moves at every renewal.
    let lastExpiry = 0
    let lastChangeAt = 0
    let worstRenewGap = 0
    let running = true
    const leaseWatch = (async () => {
      while (running) {
        const [row] = (await sql`select extract(epoch from lease_expires) * 1000 as e from rooms`) as unknown as [{ e: string }]
        const e = Number(row?.e ?? 0)
        const now = performance.now()
        if (e !== lastExpiry) {
          if (lastChangeAt > 0) worstRenewGap = Math.max(worstRenewGap, now - lastChangeAt)
          lastExpiry = e
          lastChangeAt = now
        }
        await Bun.sleep(50)
      }
    })()
    // How far fan-out falls behind (events waiting for their turn) and how much is queued for clients.
    let worstBacklog = 0
    let worstQueued = 0
    const fanoutWatch = (async () => {
      while (running) {
        worstBacklog = Math.max(worstBacklog, await metric(lef.url, /^lef_fanout_backlog_events/))
        worstQueued = Math.max(worstQueued, await metric(lef.url, /^lef_client_queued_bytes/))
        await Bun.sleep(250)
      }
    })()
    const t0 = performance.now()
    let sampledPeak = idle
    const sampler = (async () => {
      while (running) {
        sampledPeak = Math.max(sampledPeak, memoryMb(lef.pid).rss)
        await Bun.sleep(20)
      }
    })()
    const probe = probeLatency(lef.url, () => running)

    // 1,000 gifts/s, in messages of up to 20, catching up on timer jitter.
    const script = new ScriptedRoom({ roomId: ROOM, seed: 18 })
    let sent = 0
    let missedBySim = 0
    while (performance.now() - t0 < LOAD_MS) {
      const due = Math.floor(((performance.now() - t0) * GIFTS_PER_SECOND) / 1000) - sent - missedBySim
      for (let n = due; n > 0; n -= 20) {
        const gifts = Array.from({ length: Math.min(20, n) }, () => script.gift())
        if (sim.send(...gifts) > 0) sent += gifts.length
        else missedBySim += gifts.length
      }
      await Bun.sleep(5)
    }
    const loadMs = performance.now() - t0

    // Everything lef decoded must reach the table.
    let decoded = 0
    let stored = 0
    const settleDeadline = Date.now() + 30_000
    for (;;) {
      decoded = await metric(lef.url, /^lef_events_total\{.*type="gift".*source="live"/)
      const [row] = (await sql`select count(*)::int as n from events where type = 'gift'`) as unknown as [{ n: number }]
      stored = row.n
      if ((decoded >= sent && stored === decoded) || Date.now() > settleDeadline) break
      await Bun.sleep(200)
    }
    running = false
    await Promise.all([leaseWatch, sampler, fanoutWatch])
    const { max: worstLatency, samples } = await probe
    const mem = memoryMb(lef.pid)
    const peak = peakReset ? Math.max(mem.peak, sampledPeak) : sampledPeak
    const cutBridge = await metric(lef.url, /^lef_clients_cut_off_total\{transport="bridge"/)
    const cutSse = await metric(lef.url, /^lef_clients_cut_off_total\{transport="sse"/)
    const budgetCuts = await metric(lef.url, /^lef_clients_budget_cut_total/)
    const stillConnected = await metric(lef.url, /^lef_clients\{/)
    const dropped = await metric(lef.url, /^lef_writer_rows_total\{outcome="dropped"/)
    const leaseWarnings = lef.output().split('\n').filter((l) => l.includes('not renewed in time')).length
    const reconnects = sim.stats.connections - connectionsBefore
    console.log(
      `overload: ${BRIDGE_CLIENTS} bridge + ${SSE_CLIENTS} SSE silent clients, ${(loadMs / 1000).toFixed(1)} s at ${GIFTS_PER_SECOND} gifts/s: ` +
        `sent ${sent} (not sent, no socket: ${missedBySim}), decoded ${decoded}, stored ${stored}, lost ${decoded - stored}, writer dropped ${dropped}; ` +
        `clients cut ${cutBridge} bridge + ${cutSse} SSE (${budgetCuts} by CLIENT_BUFFER_TOTAL), still connected ${stillConnected}; ` +
        `fan-out backlog at most ${worstBacklog} events, client queues at most ${(worstQueued / 1024 / 1024).toFixed(1)} MB; ` +
        `RSS idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (budget ${RSS_BUDGET_MB} MB); worst request latency ${worstLatency.toFixed(0)} ms over ${samples} probes; ` +
        `lease renewals: worst gap ${worstRenewGap.toFixed(0)} ms (every ${Math.round(15_000 / 3)} ms expected), ${leaseWarnings} missed-renewal warnings; room reconnects ${reconnects}`,
    )
    expect(missedBySim).toBe(0)
    expect(reconnects).toBe(0)
    expect(decoded).toBe(sent)
    expect(stored).toBe(decoded)
    expect(dropped).toBe(0)
    expect(leaseWarnings).toBe(0)
    expect(worstRenewGap).toBeLessThan(5000 + 2000)
    expect(peak).toBeLessThan(RSS_BUDGET_MB)
    expect(cutBridge + cutSse).toBeGreaterThan(0)
  }, 180_000)
})
