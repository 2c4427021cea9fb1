import { ConnectorError } from '../connector'
import { requestSignal } from '../http/request-timeout'
import { retryAfterMs } from '../http/retry-after'

/** The subset of `fetch` we use; injectable so tests and proxies can replace it. */
export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>

/** Bilibili's JSON envelope. */
export interface BiliEnvelope<T> {
  code: number
  message?: string
  data?: T
}

// Some endpoints sign or check the UA; a plain browser UA avoids needless risk control.
export const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36'

/** No Bilibili API call should take longer; a hung request must not stall a session. */
export const DEFAULT_TIMEOUT_MS = 10_000

export interface RequestOptions {
  cookie?: string
  /** The caller's abort; the request also times out on its own after `timeoutMs`. */
  signal?: AbortSignal
  timeoutMs?: number
  /** How errors name the endpoint, when its path must not be shown (it holds an id). */
  name?: string
  method?: 'GET' | 'POST'
  body?: string
  headers?: Record<string, string>
}

/**
 * GET/POST a Bilibili-style JSON endpoint. Network failures, HTTP errors and non-JSON answers
 * (risk control sometimes answers HTML) become ConnectorErrors; the envelope `code` is left to
 * the caller, which knows what each code means for that endpoint.
 */
export async function fetchJson<T>(fetchFn: FetchFn, url: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    'User-Agent': USER_AGENT,
    Referer: 'https://live.bilibili.com/',
    Accept: 'application/json',
    ...opts.headers,
  }
  if (opts.cookie) headers.Cookie = opts.cookie
  const name = opts.name ?? endpointName(url)
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const signal = requestSignal(opts.signal, timeoutMs)
  let res: Response
  let text: string
  try {
    res = await fetchFn(url, { method: opts.method ?? 'GET', headers, body: opts.body, signal })
    text = await res.text()
  } catch (err) {
    if (opts.signal?.aborted) throw err
    // The caller's signal was not aborted (checked above), so an aborted request signal is the timeout.
    const why = signal.aborted ? `timed out after ${timeoutMs} ms` : (err as Error).message
    throw new ConnectorError('NETWORK', `request to ${name} failed: ${why}`, undefined, { cause: err })
  }
  if (res.status === 412) throw new ConnectorError('RISK_CONTROL', `${name} answered HTTP 412 (IP risk control)`)
  if (res.status === 429) {
    throw new ConnectorError('RATE_LIMITED', `${name} answered HTTP 429`, retryAfterMs(res.headers.get('retry-after'), Date.now(), undefined))
  }
  if (!res.ok) throw new ConnectorError('UPSTREAM', `${name} answered HTTP ${res.status}`)
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ConnectorError('UPSTREAM', `${name} answered non-JSON (${text.length} bytes; risk control page?)`)
  }
}

/** Host + path only: query strings may carry signatures, never log them. */
export function endpointName(url: string): string {
  try {
    const u = new URL(url)
    return `${u.host}${u.pathname}`
  } catch {
    return 'endpoint'
  }
}
