import type { Subprocess } from 'bun'
import { cpuSeconds, freePort, lefEnv, REPO_ROOT, waitFor200 } from '../lib/child'
import { createBenchDatabase } from '../lib/pg'
import type { BenchContext, ScenarioResult } from '../lib/result'
import type { ClientsReport } from './clients'
import type { PublishDone, PublishRequest } from './event'

interface Load {
  bridge: number
  sse: number
  rooms: number
  rate: number
  seconds: number
}

type Ipc = Subprocess<'ignore', 'ignore', 'inherit'>

/** Spawn a child with an IPC channel; `next(kind)` resolves with its next message of that kind. */
function spawnIpc(args: string[], env: Record<string, string>) {
  const waiting = new Map<string, (m: unknown) => void>()
  const proc: Ipc = Bun.spawn([process.execPath, ...args], {
    cwd: REPO_ROOT, env, stdin: 'ignore', stdout: 'ignore', stderr: 'inherit',
    ipc(message: { kind: string }) {
      waiting.get(message.kind)?.(message)
      waiting.delete(message.kind)
    },
  })
  const next = <T>(kind: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${kind} from ${args.join(' ')} within ${timeoutMs} ms`)), timeoutMs)
      waiting.set(kind, (m) => {
        clearTimeout(t)
        resolve(m as T)
      })
    })
  const stop = async () => {
    proc.kill('SIGTERM')
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await proc.exited
    clearTimeout(t)
  }
  return { proc, next, stop }
}

/** One run: a server child (lef or the bare baseline), a clients child, a publish, a report. */
async function run(serverEntry: string, serverEnv: Record<string, string>, load: Load) {
  const port = freePort()
  const bunArgs = serverEntry.includes('lef-') ? (process.env.BENCH_LEF_BUN_ARGS ?? '').split(' ').filter((a) => a !== '') : []
  const server = spawnIpc([...bunArgs, serverEntry], lefEnv({ PORT: String(port), ...serverEnv }))
  let clients: ReturnType<typeof spawnIpc> | undefined
  try {
    const url = `http://127.0.0.1:${port}`
    await waitFor200(`${url}/ping`, performance.now(), 60_000, server.proc)
    const capacity = Math.ceil(load.rate * load.seconds * ((load.bridge + load.sse) / load.rooms) * 1.1) + 1000
    clients = spawnIpc(['bench/fanout/clients.ts'], {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp',
      // Bun's fetch caps concurrent requests (256 by default); every SSE client is one open request.
      BUN_CONFIG_MAX_HTTP_REQUESTS: String(load.sse + 64),
      BENCH_URL: url, BENCH_BRIDGE: String(load.bridge), BENCH_SSE: String(load.sse), BENCH_ROOMS: String(load.rooms), BENCH_CAPACITY: String(capacity),
    })
    await clients.next('ready', 120_000)
    // Let the connection burst settle before the clock matters.
    await Bun.sleep(500)
    const published = server.next<PublishDone>('published', (load.seconds + 60) * 1000)
    const cpu0 = cpuSeconds(server.proc.pid)
    const clientsCpu0 = cpuSeconds(clients.proc.pid)
    server.proc.send({ kind: 'publish', rate: load.rate, seconds: load.seconds, rooms: load.rooms } satisfies PublishRequest)
    const done = await published
    // Share of one core each process used while publishing: how close to saturation the box was.
    const serverCpu = (cpuSeconds(server.proc.pid) - cpu0) / done.seconds
    const clientsCpu = (cpuSeconds(clients.proc.pid) - clientsCpu0) / done.seconds
    // Anything still in flight gets 2 s to arrive; later than that counts as lost.
    await Bun.sleep(2_000)
    const report = clients.next<ClientsReport>('report', 60_000)
    clients.proc.send({ kind: 'report', perRoom: done.perRoom })
    return { done, report: await report, serverCpu, clientsCpu }
  } finally {
    await clients?.stop()
    await server.stop()
  }
}

/**
 * Scenario 3: publish → receive latency through lef's bus, fan-out hub, WebSocket bridge and
 * SSE, with lef in its own process and the clients in another; against a bare Bun server
 * delivering the same events to the same clients in the same run.
 */
export async function fanoutScenario(ctx: BenchContext): Promise<Omit<ScenarioResult, 'seconds'>> {
  const load: Load = ctx.quick
    ? { bridge: 20, sse: 20, rooms: 10, rate: 500, seconds: 1 }
    : { bridge: 1_000, sse: 1_000, rooms: 200, rate: 5_000, seconds: 10 }
  const db = await createBenchDatabase(ctx.databaseUrl)
  try {
    // Several alternating trials: the machine is shared, and one stall elsewhere can own a p99.
    const trials = ctx.quick ? 1 : 3
    const lefRuns: Array<Awaited<ReturnType<typeof run>>> = []
    const bareRuns: Array<Awaited<ReturnType<typeof run>>> = []
    for (let t = 0; t < trials; t++) {
      ctx.log(`fanout ${t + 1}/${trials}: lef, ${load.bridge} bridge + ${load.sse} SSE clients over ${load.rooms} rooms, ${load.rate} events/s for ${load.seconds} s`)
      lefRuns.push(await run('bench/fanout/lef-publisher.ts', { DATABASE_URL: db.url, WEBSOCKET_BRIDGE: 'true', BRIDGE_PING_INTERVAL: '30000', SSE_KEEPALIVE: '15000' }, load))
      ctx.log(`fanout ${t + 1}/${trials}: bare Bun baseline, same clients and load`)
      bareRuns.push(await run('bench/fanout/bare-publisher.ts', {}, load))
    }
    const medianByP99 = (runs: typeof lefRuns) => [...runs].sort((a, b) => a.report.p99 - b.report.p99)[Math.floor(runs.length / 2)]!
    const lef = medianByP99(lefRuns)
    const bare = medianByP99(bareRuns)
    const lostAll = lefRuns.reduce((n, x) => n + x.report.lost, 0)
    const shortAll = lefRuns.reduce((n, x) => n + x.report.shortClients, 0)
    const expectedAll = lefRuns.reduce((n, x) => n + x.report.expected, 0)
    const deliveredAll = lefRuns.reduce((n, x) => n + x.report.delivered, 0)
    const r = lef.report
    const b = bare.report
    const ms = (x: number) => x.toFixed(2)
    const row = (name: string, x: (typeof lefRuns)[number]) => {
      const q = x.report
      return [name, `${q.delivered} / ${q.expected}`, q.shortClients, ms(q.p50), ms(q.p99), ms(q.max), `${ms(q.bridge.p50)} / ${ms(q.bridge.p99)}`, `${ms(q.sse.p50)} / ${ms(q.sse.p99)}`, q.disconnected, x.done.lateTicks, `${Math.round(x.serverCpu * 100)}% / ${Math.round(x.clientsCpu * 100)}%`]
    }
    return {
      id: 'fanout',
      title: 'Fan-out latency',
      figures: [
        { name: 'lef publish → receive p50', value: r.p50, unit: 'ms', baseline: { name: 'bare Bun server p50', value: b.p50, unit: 'ms' }, ratio: r.p50 / b.p50, ratioMeaning: '× the bare server' },
        { name: 'lef publish → receive p99', value: r.p99, unit: 'ms', baseline: { name: 'bare Bun server p99', value: b.p99, unit: 'ms' }, ratio: r.p99 / b.p99, ratioMeaning: '× the bare server', target: 'p99 < 50 ms', met: r.p99 < 50 },
        { name: 'lef events lost', value: lostAll, unit: 'events', baseline: { name: `deliveries expected over ${trials} trial(s)`, value: expectedAll, unit: 'events' }, ratio: deliveredAll / expectedAll, ratioMeaning: 'delivered ÷ expected', target: 'no event lost', met: lostAll === 0 && shortAll === 0 },
      ],
      table: {
        columns: ['server', 'delivered / expected', 'clients short', 'p50 ms', 'p99 ms', 'max ms', 'bridge p50 / p99 ms', 'SSE p50 / p99 ms', 'disconnects', 'publisher late wake-ups', 'CPU: server / clients (of one core)'],
        rows: [
          ...lefRuns.map((x, i) => row(`lef, trial ${i + 1}${x === lef ? ' (median p99: the figures)' : ''}`, x)),
          ...bareRuns.map((x, i) => row(`bare Bun.serve, trial ${i + 1}${x === bare ? ' (median p99: the baseline)' : ''}`, x)),
        ],
      },
      notes: [
        `${load.bridge} WebSocket bridge clients and ${load.sse} SSE clients, in their own process, each filtered to one of ${load.rooms} rooms (${(load.bridge + load.sse) / load.rooms} clients per room: one event reaches that many clients, ${Math.round((load.rate * (load.bridge + load.sse)) / load.rooms).toLocaleString('en-US')} deliveries/s in all). lef publishes ${load.rate} chat events/s for ${load.seconds} s on its own bus (where connectors publish), in its own process, with its event writer storing every event in PostgreSQL meanwhile.`,
        'Latency is publish time (stamped in the event when it is published) to the moment the client has the whole event, both read from the same machine clock. An event still missing 2 s after the last publish counts as lost.',
        `Figures are from the trial with the median p99 of ${trials}, lef and the bare server alternating. "Publisher late wake-ups" counts publisher wake-ups more than 10 ms behind schedule (each caught up at once): a stalled event loop, lef's own or the machine's (other work shares these 2 cores).`,
        'The baseline is a bare Bun.serve in the same kind of child process, publishing the same events to the same clients: a uWS topic per room for WebSockets and a set of stream controllers per room for SSE, with one JSON.stringify per event.',
      ],
    }
  } finally {
    await db.drop()
  }
}
