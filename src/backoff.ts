/**
 * Exponential backoff with jitter: attempt 0 waits about `base`, each failure doubles it up to
 * `cap`. The wait is drawn from [half, full] of that step, so rooms that failed together (one
 * network blip) do not all reconnect in the same millisecond.
 */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(step / 2 + (step / 2) * random())
}
