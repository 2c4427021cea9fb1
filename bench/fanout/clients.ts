import { FANOUT_ROOM_BASE, publishedAtOf, wallNow } from './event'

/**
 * The fan-out clients, in their own process (so they share no event loop with the server):
 * `BRIDGE` WebSocket bridge clients and `SSE` SSE clients, spread evenly over `ROOMS` rooms,
 * each filtered to its room. Every received event's publish → receive latency is recorded.
 * IPC: sends {kind:'ready'} once all are connected; answers {kind:'report'} with the figures.
 */

export type ClientsReport = {
  kind: 'report'
  delivered: number
  expected: number
  lost: number
  /** Clients that received fewer events than their room was sent. */
  shortClients: number
  p50: number
  p99: number
  max: number
  bridge: { delivered: number; p50: number; p99: number }
  sse: { delivered: number; p50: number; p99: number }
  disconnected: number
}

const url = process.env.BENCH_URL!
const bridgeCount = Number(process.env.BENCH_BRIDGE)
const sseCount = Number(process.env.BENCH_SSE)
const rooms = Number(process.env.BENCH_ROOMS)
const capacity = Number(process.env.BENCH_CAPACITY)

const latBridge = new Float64Array(capacity)
const latSse = new Float64Array(capacity)
let nBridge = 0
let nSse = 0
let disconnected = 0
const received: Array<{ room: number; count: number }> = []

function record(kind: 'bridge' | 'sse', text: string, slot: { count: number }): void {
  const t = publishedAtOf(text)
  if (t === undefined) return
  slot.count++
  const lat = wallNow() - t
  if (kind === 'bridge') {
    if (nBridge < capacity) latBridge[nBridge++] = lat
  } else if (nSse < capacity) latSse[nSse++] = lat
}

function openBridge(room: number): Promise<void> {
  const slot = { room, count: 0 }
  received.push(slot)
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/?rooms=bilibili:${FANOUT_ROOM_BASE + room}`)
  return new Promise((resolve, reject) => {
    let ready = false
    ws.onmessage = (m) => {
      const text = String(m.data)
      if (!ready) {
        if (text.includes('"established"')) {
          ready = true
          resolve()
        }
        return
      }
      record('bridge', text, slot)
    }
    ws.onerror = () => reject(new Error('bridge client failed to connect'))
    ws.onclose = () => {
      if (ready) disconnected++
    }
  })
}

async function openSse(room: number): Promise<void> {
  const slot = { room, count: 0 }
  received.push(slot)
  const res = await fetch(`${url}/sse?rooms=bilibili:${FANOUT_ROOM_BASE + room}`)
  if (res.status !== 200 || !res.body) throw new Error(`SSE client got ${res.status}`)
  const reader = res.body.getReader()
  const dec = new TextDecoder()
  void (async () => {
    let buf = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buf += dec.decode(value, { stream: true })
      let end
      while ((end = buf.indexOf('\n\n')) >= 0) {
        record('sse', buf.slice(0, end), slot)
        buf = buf.slice(end + 2)
      }
    }
    disconnected++
  })().catch(() => void disconnected++)
}

function pct(xs: Float64Array, p: number): number {
  if (xs.length === 0) return Number.NaN
  return xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
}

// Connect in waves: thousands of simultaneous handshakes would only measure the accept queue.
const opens: Array<() => Promise<void>> = []
for (let i = 0; i < bridgeCount; i++) opens.push(() => openBridge(i % rooms))
for (let i = 0; i < sseCount; i++) opens.push(() => openSse(i % rooms))
for (let i = 0; i < opens.length; i += 100) await Promise.all(opens.slice(i, i + 100).map((o) => o()))
process.send?.({ kind: 'ready' })

process.on('message', (m: { kind: string; perRoom?: number[] }) => {
  if (m.kind !== 'report' || !m.perRoom) return
  const b = latBridge.slice(0, nBridge).sort()
  const s = latSse.slice(0, nSse).sort()
  const all = new Float64Array(b.length + s.length)
  all.set(b)
  all.set(s, b.length)
  all.sort()
  let expected = 0
  let shortClients = 0
  for (const r of received) {
    const want = m.perRoom[r.room] ?? 0
    expected += want
    if (r.count < want) shortClients++
  }
  const delivered = nBridge + nSse
  const report: ClientsReport = {
    kind: 'report', delivered, expected, lost: Math.max(0, expected - delivered), shortClients,
    p50: pct(all, 0.5), p99: pct(all, 0.99), max: all[all.length - 1] ?? Number.NaN,
    bridge: { delivered: nBridge, p50: pct(b, 0.5), p99: pct(b, 0.99) },
    sse: { delivered: nSse, p50: pct(s, 0.5), p99: pct(s, 0.99) },
    disconnected,
  }
  process.send?.(report)
})
