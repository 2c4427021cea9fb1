import type { Subprocess } from 'bun'
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

const REPO_ROOT = resolve(import.meta.dir, '../..')

/** A lef started as its own process (`bun src/index.ts`), so its memory can be read from /proc. */
export interface LefChild {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  pid: number
  url: string
  /** Everything it logged (stdout and stderr), for counting log lines. */
  output(): string
  stop(): Promise<void>
}

function freePort(): number {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = s.port as number
  s.stop(true)
  return port
}

export async function startLefChild(env: Record<string, string>, timeoutMs = 60_000): Promise<LefChild> {
  const port = freePort()
  const proc = Bun.spawn([process.execPath, 'src/index.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: String(port), ROOMS: '',
      LOG_LEVEL: 'warn', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', ...env,
    },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let out = ''
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) out += decoder.decode(chunk, { stream: true })
  }
  void pump(proc.stdout).catch(() => {})
  void pump(proc.stderr).catch(() => {})
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`lef exited with ${proc.exitCode}: ${out.slice(-2000)}`)
    const ok = await fetch(`${url}/ping`).then((r) => r.status === 200, () => false)
    if (ok) break
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`lef did not answer /ping within ${timeoutMs} ms: ${out.slice(-2000)}`)
    }
    await Bun.sleep(50)
  }
  return {
    proc, pid: proc.pid, url,
    output: () => out,
    async stop() {
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
      await proc.exited
      clearTimeout(timer)
    },
  }
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1])
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/** Reset the process's peak RSS (VmHWM) to its current RSS; false where the kernel does not allow it. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/**
 * Latency of a trivial request, polled back to back while `running()`: a lef whose event loop is
 * blocked answers late, so the worst latency bounds the longest block.
 */
export async function probeLatency(url: string, running: () => boolean): Promise<{ max: number; samples: number }> {
  let max = 0
  let samples = 0
  while (running()) {
    const t0 = performance.now()
    await fetch(`${url}/nowhere`).then((r) => r.arrayBuffer(), () => undefined)
    max = Math.max(max, performance.now() - t0)
    samples++
    await Bun.sleep(5)
  }
  return { max, samples }
}
