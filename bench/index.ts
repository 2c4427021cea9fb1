import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { decodersScenario } from './decoders/scenario'
import { fanoutScenario } from './fanout/scenario'
import { ingestScenario } from './ingest/scenario'
import { memoryScenario } from './memory/scenario'
import { startupScenario } from './startup/scenario'
import { describeMachine } from './lib/machine'
import { renderMarkdown, renderTable, type BenchReport } from './lib/report'
import { SCENARIO_IDS, type BenchContext, type ScenarioId, type ScenarioResult } from './lib/result'

/**
 * `bun run bench [--quick] [--only a,b] [--out DIR]`: runs every scenario, prints a table and
 * writes BENCHMARKS.md and bench/results.json (to DIR with --out; quick mode never overwrites
 * the committed full-run files unless --out points at them).
 */

type Scenario = (ctx: BenchContext) => Promise<Omit<ScenarioResult, 'seconds'>>

const SCENARIOS: Record<ScenarioId, { title: string; run: Scenario }> = {
  decoders: { title: 'Decoders on real captured frames', run: decodersScenario },
  ingest: { title: 'End-to-end ingest', run: ingestScenario },
  fanout: { title: 'Fan-out latency', run: fanoutScenario },
  memory: { title: 'Memory per room', run: memoryScenario },
  startup: { title: 'Start-up', run: startupScenario },
}

function parseArgs(argv: string[]): { quick: boolean; only: ScenarioId[]; outDir?: string } {
  const quick = argv.includes('--quick')
  const onlyArg = argv[argv.indexOf('--only') + 1]
  const only = argv.includes('--only') && onlyArg ? (onlyArg.split(',') as ScenarioId[]) : [...SCENARIO_IDS]
  for (const id of only) if (!SCENARIO_IDS.includes(id)) throw new Error(`unknown scenario ${id} (known: ${SCENARIO_IDS.join(', ')})`)
  const outArg = argv[argv.indexOf('--out') + 1]
  return { quick, only, outDir: argv.includes('--out') && outArg ? resolve(outArg) : undefined }
}

export async function runBench(argv: string[]): Promise<BenchReport> {
  const args = parseArgs(argv)
  const repo = resolve(import.meta.dir, '..')
  const outDir = args.outDir ?? (args.quick ? mkdtempSync(join(tmpdir(), 'lef-bench-out-')) : repo)
  const tmpDir = mkdtempSync(join(tmpdir(), 'lef-bench-'))
  const ctx: BenchContext = {
    quick: args.quick,
    tmpDir,
    databaseUrl: process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    log: (line) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`),
  }
  const started = performance.now()
  const scenarios: ScenarioResult[] = []
  try {
    for (const id of args.only) {
      const t0 = performance.now()
      try {
        scenarios.push({ ...(await SCENARIOS[id].run(ctx)), seconds: (performance.now() - t0) / 1000 })
      } catch (err) {
        ctx.log(`${id} failed: ${(err as Error).stack ?? err}`)
        scenarios.push({ id, title: SCENARIOS[id].title, figures: [], notes: [], error: (err as Error).message, seconds: (performance.now() - t0) / 1000 })
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true })
  }
  const report: BenchReport = { machine: describeMachine(), quick: args.quick, seconds: (performance.now() - started) / 1000, scenarios }
  mkdirSync(join(outDir, 'bench'), { recursive: true })
  writeFileSync(join(outDir, 'BENCHMARKS.md'), renderMarkdown(report))
  writeFileSync(join(outDir, 'bench', 'results.json'), `${JSON.stringify(report, null, 2)}\n`)
  console.log(renderTable(report))
  console.error(`wrote ${join(outDir, 'BENCHMARKS.md')} and ${join(outDir, 'bench', 'results.json')}`)
  return report
}

if (import.meta.main) {
  const report = await runBench(process.argv.slice(2))
  process.exit(report.scenarios.some((s) => s.error) ? 1 : 0)
}
