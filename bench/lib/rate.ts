/**
 * Throughput measured the same way for every contender: several short rounds, interleaved
 * across contenders so a noisy neighbour slows everyone alike, and the best round kept (noise
 * on a shared machine only ever makes a round slower).
 */

export interface Contender {
  name: string
  /** Process one unit of work; return how many items (messages, events) it handled. */
  run(): number | Promise<number>
}

export interface RateResult {
  name: string
  /** Items per second in the best round. */
  perSecond: number
  /** Items per second in the median round: steadier than the best when a contender's rate swings. */
  median: number
  /** Items per second in every round, in order. */
  rounds: number[]
}

export interface RateOptions {
  rounds: number
  /** Wall time per contender per round. */
  roundMs: number
  /** Untimed warm-up per contender (lets the JIT settle). */
  warmupMs: number
}

async function runFor(c: Contender, ms: number): Promise<{ items: number; elapsed: number }> {
  let items = 0
  const start = performance.now()
  const end = start + ms
  let now = start
  while (now < end) {
    const n = c.run()
    items += typeof n === 'number' ? n : await n
    now = performance.now()
  }
  return { items, elapsed: now - start }
}

export async function compareRates(contenders: Contender[], opts: RateOptions): Promise<RateResult[]> {
  for (const c of contenders) await runFor(c, opts.warmupMs)
  const rounds = contenders.map(() => [] as number[])
  for (let r = 0; r < opts.rounds; r++) {
    // Rotate the order each round so no contender always runs right after the same one.
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length
      const { items, elapsed } = await runFor(contenders[i]!, opts.roundMs)
      rounds[i]!.push((items * 1000) / elapsed)
    }
  }
  return contenders.map((c, i) => ({ name: c.name, perSecond: Math.max(...rounds[i]!), median: median(rounds[i]!), rounds: rounds[i]! }))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
