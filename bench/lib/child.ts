import type { Subprocess } from 'bun'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const REPO_ROOT = resolve(import.meta.dir, '../..')

/** A port nobody listens on right now (bound then released; fine on loopback). */
export function freePort(): number {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = s.port
  s.stop(true)
  if (port === undefined) throw new Error('no free port')
  return port
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1])
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`)
  return kb / 1024
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, 100 ticks/s). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(rest[11]) + Number(rest[12])) / 100
}

/**
 * CPU seconds of the whole machine, summed over cores: `busy` is every process and the kernel
 * (all of /proc/stat's first line but idle, iowait and steal), `steal` the time the hypervisor
 * ran other guests on our cores, `total` everything. Steal is kept apart: on a shared VM it is
 * CPU this machine never had, not work any of our processes did.
 */
export function machineCpuSeconds(): { busy: number; steal: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!
  // user nice system idle iowait irq softirq steal
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = ticks.reduce((a, b) => a + b, 0)
  const idle = ticks[3]! + ticks[4]!
  const steal = ticks[7] ?? 0
  return { busy: (total - idle - steal) / 100, steal: steal / 100, total: total / 100 }
}

/** Between two machineCpuSeconds() readings: the share of all cores' time that was busy, and stolen. */
export function machineShares(before: ReturnType<typeof machineCpuSeconds>, after: ReturnType<typeof machineCpuSeconds>): { busy: number; steal: number } {
  const total = after.total - before.total
  return { busy: (after.busy - before.busy) / total, steal: (after.steal - before.steal) / total }
}

/** Poll `url` until it answers 200; resolves with ms since `since` (a performance.now()). */
export async function waitFor200(url: string, since: number, timeoutMs: number, proc?: Subprocess): Promise<number> {
  const deadline = since + timeoutMs
  for (;;) {
    try {
      const res = await fetch(url)
      if (res.status === 200) {
        await res.arrayBuffer()
        return performance.now() - since
      }
    } catch {
      // not listening yet
    }
    if (proc?.exitCode !== null && proc?.exitCode !== undefined) throw new Error(`${url}: process exited with ${proc.exitCode} before answering`)
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
    await Bun.sleep(2)
  }
}

export interface LefChild {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  url: string
  pid: number
  /** Ms from spawn to the first /ping 200. */
  startMs: number
  stop(): Promise<void>
}

function extraEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_LEF_ENV ?? '').split(',').filter((p) => p.includes('='))
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]))
}

/** Base environment for a lef child: loopback, quiet, no background jobs. */
export function lefEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    HOST: '127.0.0.1',
    ROOMS: '',
    LOG_LEVEL: 'warn',
    PRUNE_INTERVAL: 'off',
    RESTART_INTERVAL: 'off',
    // Each child its own DATA_DIR: its spool is never replayed into another run's database.
    DATA_DIR: mkdtempSync(join(tmpdir(), 'lef-bench-')),
    ...extra,
  }
}

/**
 * Start the real entry point (`bun src/index.ts`, as `bun start` does) in its own process, so
 * nothing the bench does shares its event loop, and wait for `/ping`.
 */
export async function startLef(env: Record<string, string>, opts: { entry?: string; timeoutMs?: number } = {}): Promise<LefChild> {
  const port = freePort()
  const t0 = performance.now()
  // BENCH_LEF_BUN_ARGS (e.g. "--cpu-prof-md --cpu-prof-dir=/tmp/prof") profiles the lef children.
  const bunArgs = (process.env.BENCH_LEF_BUN_ARGS ?? '').split(' ').filter((a) => a !== '')
  const proc = Bun.spawn([process.execPath, ...bunArgs, opts.entry ?? 'src/index.ts'], {
    cwd: REPO_ROOT,
    // BENCH_LEF_ENV ("K=V,K2=V2") adds settings to every lef child, e.g. WRITER_BATCH_SIZE=2000.
    env: lefEnv({ PORT: String(port), ...env, ...extraEnv() }),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const url = `http://127.0.0.1:${port}`
  let startMs: number
  try {
    startMs = await waitFor200(`${url}/ping`, t0, opts.timeoutMs ?? 60_000, proc)
  } catch (err) {
    proc.kill()
    const stderr = await new Response(proc.stderr).text().catch(() => '')
    const stdout = await new Response(proc.stdout).text().catch(() => '')
    throw new Error(`${(err as Error).message}\n${stderr.slice(-2000)}${stdout.slice(-2000)}`)
  }
  // Drain output so a chatty child never blocks on a full pipe.
  void new Response(proc.stdout).arrayBuffer().catch(() => {})
  void new Response(proc.stderr).arrayBuffer().catch(() => {})
  return {
    proc, url, pid: proc.pid, startMs,
    async stop() {
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000)
      await proc.exited
      clearTimeout(timer)
    },
  }
}
