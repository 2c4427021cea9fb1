/**
 * A signal that aborts on the caller's signal or after `timeoutMs`, whichever comes first: a
 * host that accepts the connection and never answers must not hold a session before its socket
 * (and its idle watchdog) exists.
 */
export function requestSignal(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const limit = AbortSignal.timeout(timeoutMs)
  return signal ? AbortSignal.any([signal, limit]) : limit
}

/** fetch with `requestSignal` applied to every request. */
export function withRequestTimeout(doFetch: typeof fetch, timeoutMs: number): typeof fetch {
  const timed = (input: Parameters<typeof fetch>[0], init?: RequestInit) => doFetch(input, { ...init, signal: requestSignal(init?.signal ?? undefined, timeoutMs) })
  return timed as typeof fetch
}
