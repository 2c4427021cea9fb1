import { readFileSync, writeFileSync } from 'node:fs'
import { spawnLef, type LefProcess } from '../support/lef-process'

/** A lef started as its own process (`bun src/index.ts`), so its memory can be read from /proc. */
export interface LefChild {
  proc: LefProcess['proc']
  pid: number
  url: string
  /** Everything it logged (stdout and stderr), for counting log lines. */
  output(): string
  stop(): Promise<void>
}

/** Starts lef quietly (LOG_LEVEL warn) and waits for /ping 200; kills it if it never answers. */
export async function startLefChild(env: Record<string, string>, timeoutMs = 60_000): Promise<LefChild> {
  const lef = spawnLef({ LOG_LEVEL: 'warn', ...env })
  try {
    await lef.ready(timeoutMs)
  } catch (err) {
    lef.kill9()
    throw err
  }
  return {
    proc: lef.proc, pid: lef.proc.pid, url: lef.url,
    output: () => lef.lines.join('\n'),
    async stop() {
      const timer = setTimeout(() => lef.kill9(), 20_000)
      await lef.stop()
      clearTimeout(timer)
    },
  }
}

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
