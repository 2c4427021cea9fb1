import type { Subprocess } from 'bun'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { openDatabase } from '../../src/store/db'

const REPO = join(import.meta.dir, '..', '..')

export function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = probe.port
  probe.stop(true)
  return port
}

export interface LefProcess {
  url: string
  port: number
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  /** Every line lef wrote to stdout and stderr so far. */
  lines: string[]
  /** Resolves with the exit code. */
  exited: Promise<number>
  /** SIGKILL: nothing of the process survives, as an OOM kill or a node loss. */
  kill9(): void
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number>
  /** Wait until `/ping` answers 200. */
  ready(ms?: number): Promise<void>
}

/** `bun src/index.ts` as a user runs it, with `env` on top of quiet defaults; its log lines are collected. */
export function spawnLef(env: Record<string, string>, port = freePort()): LefProcess {
  const proc = Bun.spawn(['bun', 'src/index.ts'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1',
      ROOMS: '', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', LOG_LEVEL: 'info',
      // A DATA_DIR of its own unless the test gives one: a spool left in the repository's ./data
      // would be replayed into whichever test's lef starts there next.
      DATA_DIR: mkdtempSync(join(tmpdir(), 'lef-proc-')), ...env,
    },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const url = `http://127.0.0.1:${port}`
  const lines: string[] = []
  for (const stream of [proc.stdout, proc.stderr]) {
    void (async () => {
      let rest = ''
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split('\n')
        rest = parts.pop() ?? ''
        lines.push(...parts.filter((l) => l !== ''))
      }
      if (rest) lines.push(rest)
    })()
  }
  return {
    url, port, proc, lines, exited: proc.exited,
    kill9: () => proc.kill('SIGKILL'),
    stop: async () => {
      proc.kill('SIGTERM')
      return proc.exited
    },
    ready: async (ms = 30_000) => {
      const end = Date.now() + ms
      for (;;) {
        try {
          if ((await fetch(`${url}/ping`)).status === 200) return
        } catch {
          // not listening yet
        }
        if (proc.exitCode !== null) throw new Error(`lef exited (${proc.exitCode}):\n${lines.slice(-20).join('\n')}`)
        if (Date.now() > end) throw new Error(`lef not ready after ${ms} ms:\n${lines.slice(-20).join('\n')}`)
        await Bun.sleep(50)
      }
    },
  }
}

/** How many of `ids` are stored in the `events` table of this database (PostgreSQL URL or PGlite directory). */
export async function countStored(where: { url?: string; dataDir?: string }, ids: Iterable<string>): Promise<{ stored: number; rows: number; missing: string[] }> {
  const database = await openDatabase(where)
  try {
    const result = await database.db.execute(sql`select id from events`)
    const rows = (Array.isArray(result) ? result : (result as { rows: Array<{ id: string }> }).rows) as Array<{ id: string }>
    const have = new Set(rows.map((r) => r.id))
    let stored = 0
    const missing: string[] = []
    for (const id of ids) {
      if (have.has(id)) stored++
      else missing.push(id)
    }
    return { stored, rows: rows.length, missing }
  } finally {
    await database.close()
  }
}

/** Poll until `cond` holds; answers the ms it took. */
export async function timeUntil(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`)
    await Bun.sleep(5)
  }
  return Date.now() - t0
}
