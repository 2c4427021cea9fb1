import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Socket, Subprocess } from 'bun'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { messageEvent } from '../support/events'
import { REPO_ROOT } from '../fixtures'
import { createTestDatabase } from '../support/pg'
import { HOOK_TIMEOUT_MS, upload, waitFor } from './clients'

/**
 * 1,000 bridge clients and 1,000 SSE clients against one lef process (a child, so server and
 * clients do not share one event loop), each receiving every event of a 10,000-event burst.
 * Receipt is checked per client as "the next id is exactly the next number", without JSON
 * parsing, so the check itself stays cheap.
 */
const CLIENTS = Number(process.env.BURST_CLIENTS ?? 1000)
const EVENTS = Number(process.env.BURST_EVENTS ?? 10_000)
const BATCH = 500
const UPLOAD_KEY = 'upload-key-burst'

/** Reads ids `b<n>` out of a stream of text in order; counts those that arrive out of order. */
class InOrderCounter {
  next = 0
  wrong = 0
  private tail = ''

  constructor(private readonly marker: string) {}

  /** Feed raw text; ids may be split across calls. */
  feed(text: string): void {
    const s = this.tail + text
    let pos = 0
    for (;;) {
      const at = s.indexOf(this.marker, pos)
      if (at < 0) break
      const start = at + this.marker.length
      let end = start
      while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++
      if (end === s.length) {
        // The number may continue in the next chunk.
        this.tail = s.slice(at)
        return
      }
      this.take(Number(s.slice(start, end)))
      pos = end
    }
    // Keep enough to re-find a marker cut in half.
    this.tail = s.slice(Math.max(pos, s.length - this.marker.length))
  }

  take(n: number): void {
    if (n === this.next) this.next++
    else this.wrong++
  }
}

async function startServer(env: Record<string, string>): Promise<{ proc: Subprocess; url: string }> {
  const proc = Bun.spawn(['bun', 'run', 'src/index.ts'], {
    cwd: REPO_ROOT,
    // Its own DATA_DIR: the spool there must not be shared with (or replayed into) another test's lef.
    env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'lef-burst-')), ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
  const decoder = new TextDecoder()
  let buf = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`lef exited before it started: ${buf}`)
    buf += decoder.decode(value, { stream: true })
    const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"lef started"/.exec(buf)
    if (m?.[1]) {
      // Keep draining stdout so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })()
      return { proc, url: m[1] }
    }
  }
}

describe('burst fan-out', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let server: { proc: Subprocess; url: string }

  beforeAll(async () => {
    db = await createTestDatabase()
    server = await startServer({
      PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, WEBSOCKET_BRIDGE: 'true', UPLOAD_KEY, LOG_LEVEL: 'info',
      // No rooms: nothing connects to a platform; events come in through /upload.
      ROOMS: '',
      PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', REDIS_URL: '',
    })
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    server?.proc.kill()
    await server?.proc.exited
    const usage = server?.proc.resourceUsage()
    if (usage) console.log(`burst cpu: server user ${(Number(usage.cpuTime.user) / 1e6).toFixed(1)} s system ${(Number(usage.cpuTime.system) / 1e6).toFixed(1)} s`)
    await db?.drop()
  }, HOOK_TIMEOUT_MS)

  test(`${CLIENTS} bridge + ${CLIENTS} SSE clients each get all ${EVENTS} events in order`, async () => {
    const started = performance.now()
    const { port } = new URL(server.url)
    const wsCounters: InOrderCounter[] = []
    const sockets: WebSocket[] = []
    const sseCounters: InOrderCounter[] = []
    const sseSockets: Socket[] = []
    const connectSse = (counter: InOrderCounter, lastEventId?: string) =>
      Bun.connect({
        hostname: '127.0.0.1',
        port: Number(port),
        socket: {
          open(s) {
            s.write(`GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : ''}\r\n`)
          },
          data(_s, chunk) {
            counter.feed(chunk.toString('latin1'))
          },
        },
      })

    for (let i = 0; i < CLIENTS; i += 100) {
      const batch: Array<Promise<unknown>> = []
      for (let k = i; k < Math.min(CLIENTS, i + 100); k++) {
        const counter = new InOrderCounter('"id":"b')
        wsCounters.push(counter)
        const ws = new WebSocket(`${server.url.replace('http', 'ws')}/`)
        ws.onmessage = (m) => {
          const s = m.data as string
          // JSON.stringify keeps key order: `{"type":"message","id":"b123",...`
          const at = s.indexOf('"id":"b')
          if (at < 0 || at > 40) return
          let end = at + 7
          while (s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++
          counter.take(Number(s.slice(at + 7, end)))
        }
        sockets.push(ws)
        batch.push(new Promise((r) => (ws.onopen = r)))
        const sseCounter = new InOrderCounter('\nid: b')
        sseCounters.push(sseCounter)
        batch.push(connectSse(sseCounter).then((s) => sseSockets.push(s)))
      }
      await Promise.all(batch)
    }
    const info = (await (await fetch(`${server.url}/info`)).json()) as { data: { websocketClients: number } }
    expect(info.data.websocketClients).toBe(CLIENTS)
    // Let every SSE request reach its handler before the burst.
    await Bun.sleep(300)
    const connectedAt = performance.now()

    // One more SSE client that drops mid-burst and resumes with Last-Event-ID.
    const early = new InOrderCounter('\nid: b')
    const dropper = await connectSse(early)

    for (let i = 0; i < EVENTS; i += BATCH) {
      const events = Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, k) => messageEvent(i + k, { id: `b${i + k}`, message: `burst ${i + k}` }))
      await upload({ url: server.url }, UPLOAD_KEY, events)
      if (i === EVENTS / 2) {
        await waitFor('dropper got some', () => early.next > 0, 10_000)
        dropper.end()
      }
    }
    const resumed = new InOrderCounter('\nid: b')
    resumed.next = early.next
    await connectSse(resumed, `b${early.next - 1}`)

    const done = () => wsCounters.every((c) => c.next === EVENTS) && sseCounters.every((c) => c.next === EVENTS) && resumed.next === EVENTS
    await waitFor('every client has every event', done, 170_000).catch(() => undefined)
    const elapsed = performance.now() - connectedAt
    const wsShort = wsCounters.filter((c) => c.next !== EVENTS).length
    const sseShort = sseCounters.filter((c) => c.next !== EVENTS).length
    console.log(
      `burst: ${CLIENTS}+${CLIENTS} clients × ${EVENTS} events delivered in ${(elapsed / 1000).toFixed(1)} s ` +
        `(connect ${((connectedAt - started) / 1000).toFixed(1)} s); dropper had ${early.next} before the drop`,
    )
    expect({ wsShort, sseShort, wsWrong: wsCounters.reduce((n, c) => n + c.wrong, 0), sseWrong: sseCounters.reduce((n, c) => n + c.wrong, 0) })
      .toEqual({ wsShort: 0, sseShort: 0, wsWrong: 0, sseWrong: 0 })
    expect(early.next).toBeGreaterThan(0)
    expect(early.next).toBeLessThan(EVENTS)
    expect(resumed.next).toBe(EVENTS)
    expect(resumed.wrong).toBe(0)

    const testCpu = process.cpuUsage()
    console.log(`burst cpu: test process user ${(testCpu.user / 1e6).toFixed(1)} s system ${(testCpu.system / 1e6).toFixed(1)} s`)
    for (const ws of sockets) ws.close()
    for (const s of sseSockets) s.end()
  }, 240_000)
})
