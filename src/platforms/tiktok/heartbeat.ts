/** Timer functions, injectable so tests can drive time. */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

export const realTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
}

/**
 * Send a heartbeat every `intervalMs` with a sequence number from 1 (reset per connection).
 * TikTok's web client waits one interval before the first (docs §3). Returns a stop function.
 */
export function startHeartbeat(send: (seq: number) => void, intervalMs: number, timers: IntervalTimers = realTimers): () => void {
  let seq = 0
  const handle = timers.setInterval(() => send(++seq), intervalMs)
  return () => timers.clearInterval(handle)
}
