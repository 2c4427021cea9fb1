/** One measured figure, always beside the baseline it was measured against in the same run. */
export interface Figure {
  /** What was measured, e.g. "lef decode + normalise". */
  name: string
  value: number
  unit: string
  /** The same-run baseline this figure is a ratio of. */
  baseline?: { name: string; value: number; unit: string }
  /** value ÷ baseline.value (or baseline ÷ value for "lower is better" figures, see `ratioMeaning`). */
  ratio?: number
  /** How to read the ratio, e.g. "× faster than the fastest peer". */
  ratioMeaning?: string
  /** The target in words, and whether this run met it (undefined: informational). */
  target?: string
  met?: boolean
}

export interface ScenarioResult {
  id: ScenarioId
  title: string
  figures: Figure[]
  /** Side-by-side rows (peers, room counts, …) rendered as their own table in BENCHMARKS.md. */
  table?: { columns: string[]; rows: Array<Array<string | number>> }
  notes: string[]
  /** Set when the scenario could not run; the others still report. */
  error?: string
  seconds: number
}

export const SCENARIO_IDS = ['decoders', 'ingest', 'fanout', 'memory', 'startup'] as const
export type ScenarioId = (typeof SCENARIO_IDS)[number]

/** Knobs every scenario reads: quick mode shrinks counts and time budgets, never the method. */
export interface BenchContext {
  quick: boolean
  /** Where child processes and temporary files may go. */
  tmpDir: string
  /** postgres://… of the server to create per-run databases on. */
  databaseUrl: string
  log(line: string): void
}
