import { expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { BenchReport } from '../../bench/lib/report'
import { SCENARIO_IDS } from '../../bench/lib/result'

/**
 * Keeps the benchmark harness working: `bun run bench --quick` (tiny counts, every scenario)
 * must produce a figure for every scenario and write both reports. It asserts nothing about
 * speed: CI machines are not benchmark machines.
 */
test('bench --quick produces results for every scenario', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lef-bench-test-'))
  try {
    const proc = Bun.spawn([process.execPath, 'bench/index.ts', '--quick', '--out', out], {
      cwd: resolve(import.meta.dir, '../..'), stdout: 'pipe', stderr: 'pipe',
    })
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    if (code !== 0) console.error(stderr.slice(-4000))
    expect(code).toBe(0)

    const report = JSON.parse(readFileSync(join(out, 'bench', 'results.json'), 'utf8')) as BenchReport
    expect(report.quick).toBe(true)
    expect(report.scenarios.map((s) => s.id)).toEqual([...SCENARIO_IDS])
    for (const s of report.scenarios) {
      expect(s.error).toBeUndefined()
      expect(s.figures.length).toBeGreaterThan(0)
      for (const f of s.figures) expect(Number.isFinite(f.value)).toBe(true)
    }
    const byId = Object.fromEntries(report.scenarios.map((s) => [s.id, s]))
    // Every peer decoder ran on the same frames, beside lef and the floor.
    const decoderNames = byId.decoders!.table!.rows.map((r) => String(r[1]))
    for (const peer of ['bilibili-live-ws', 'tiny-bilibili-ws', 'blive-message-listener', 'floor', 'generic protobuf']) {
      expect(decoderNames.some((n) => n.includes(peer))).toBe(true)
    }
    // The fan-out run delivered every event it published (quick load is tiny).
    const lost = byId.fanout!.figures.find((f) => f.name === 'lef events lost')!
    expect(lost.value).toBe(0)
    expect(lost.baseline!.value).toBeGreaterThan(0)
    // Ingest stored rows and measured COPY of the same rows.
    const ingest = byId.ingest!.figures[0]!
    expect(ingest.value).toBeGreaterThan(0)
    expect(ingest.baseline!.value).toBeGreaterThan(0)
    // …and the baseline is lef's own rows of the same messages: all but the few events that read
    // lef's clock (like-clicks, counts) equal a stored row in every column but seq and received_at.
    const same = byId.ingest!.figures.find((f) => f.name.startsWith('rows of the COPY baseline equal'))!
    expect(same.baseline!.value).toBeGreaterThan(0)
    expect(same.ratio!).toBeGreaterThan(0.8)
    // Memory: the 0-room process and two room counts.
    expect(byId.memory!.table!.rows.map((r) => r[0])).toEqual([0, 5, 20])

    const md = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8')
    expect(md).toContain('QUICK MODE')
    for (const s of report.scenarios) expect(md).toContain(`## ${s.title}`)
    expect(stdout).toContain('scenario')
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}, 120_000)
