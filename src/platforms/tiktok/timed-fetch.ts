/**
 * fetch with a time limit per request on top of the caller's signal: a host that accepts the
 * connection and never answers must not hold a session before its socket (and its idle
 * watchdog) exists. A timeout rejects with a TimeoutError, which callers report as NETWORK.
 */
export function withRequestTimeout(doFetch: typeof fetch, timeoutMs: number): typeof fetch {
  const timed = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const limit = AbortSignal.timeout(timeoutMs)
    const signal = init?.signal ? AbortSignal.any([init.signal, limit]) : limit
    return doFetch(input, { ...init, signal })
  }
  return timed as typeof fetch
}
