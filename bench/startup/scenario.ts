import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, REPO_ROOT, waitFor200, startLef } from '../lib/child'
import { createBenchDatabase } from '../lib/pg'
import type { BenchContext, ScenarioResult } from '../lib/result'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The baseline: a bare `Bun.serve` answering every request, spawned and polled the same way. */
async function bareBunMs(): Promise<number> {
  const port = freePort()
  const t0 = performance.now()
  const proc = Bun.spawn([process.execPath, '-e', `Bun.serve({ hostname: '127.0.0.1', port: ${port}, fetch: () => new Response('pong') })`], { cwd: REPO_ROOT, stdout: 'ignore', stderr: 'ignore' })
  try {
    return await waitFor200(`http://127.0.0.1:${port}/ping`, t0, 30_000, proc)
  } finally {
    proc.kill()
    await proc.exited
  }
}

/** Scenario 5: process start → first `/ping` 200, on a fresh PGlite directory and a fresh PostgreSQL database. */
export async function startupScenario(ctx: BenchContext): Promise<Omit<ScenarioResult, 'seconds'>> {
  const runs = ctx.quick ? 1 : 5
  const bare: number[] = []
  const pglite: number[] = []
  const pgliteAgain: number[] = []
  const pg: number[] = []
  for (let i = 0; i < runs; i++) {
    ctx.log(`startup: run ${i + 1}/${runs}`)
    bare.push(await bareBunMs())
    // A fresh data directory each time: the first start also creates and migrates the database.
    const dataDir = mkdtempSync(join(ctx.tmpDir, 'pglite-'))
    const lite = await startLef({ DATA_DIR: dataDir })
    pglite.push(lite.startMs)
    await lite.stop()
    // A restart on the directory it left: the everyday case.
    const again = await startLef({ DATA_DIR: dataDir })
    pgliteAgain.push(again.startMs)
    await again.stop()
    const db = await createBenchDatabase(ctx.databaseUrl)
    try {
      const onPg = await startLef({ DATABASE_URL: db.url })
      pg.push(onPg.startMs)
      await onPg.stop()
    } finally {
      await db.drop()
    }
  }
  const b = median(bare)
  const baseline = { name: 'bare Bun.serve process', value: b, unit: 'ms' }
  const fig = (name: string, xs: number[]) => ({
    name, value: median(xs), unit: 'ms', baseline, ratio: median(xs) / b, ratioMeaning: '× a bare Bun.serve start',
  })
  return {
    id: 'startup',
    title: 'Start-up',
    figures: [fig('start → /ping 200, PGlite (fresh data dir)', pglite), fig('start → /ping 200, PGlite (existing data dir)', pgliteAgain), fig('start → /ping 200, PostgreSQL (fresh database)', pg)],
    table: {
      columns: ['run', 'bare Bun.serve (ms)', 'lef on new PGlite (ms)', 'lef on existing PGlite (ms)', 'lef on new PostgreSQL db (ms)'],
      rows: bare.map((v, i) => [i + 1, Math.round(v), Math.round(pglite[i]!), Math.round(pgliteAgain[i]!), Math.round(pg[i]!)]),
    },
    notes: [
      `Median of ${runs} runs. Each run spawns \`bun src/index.ts\` (what \`bun start\` runs) with ROOMS empty and polls GET /ping every 2 ms from the moment of spawn; "new" databases include creating them and running every migration; "existing PGlite" is a restart on the directory the previous start left.`,
      'The baseline is a process that only runs Bun.serve, spawned and polled the same way: the ratio is what lef adds on top of starting Bun itself.',
    ],
  }
}
