import { ConnectorError } from '../connector'

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

export interface RequestOptions {
  cookie?: string
  signal?: AbortSignal
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
  let res: Response
  try {
    res = await fetchFn(url, { method: opts.method ?? 'GET', headers, body: opts.body, signal: opts.signal })
  } catch (err) {
    if (opts.signal?.aborted) throw err
    throw new ConnectorError('NETWORK', `request to ${endpointName(url)} failed: ${(err as Error).message}`, undefined, { cause: err })
  }
  if (res.status === 412) throw new ConnectorError('RISK_CONTROL', `${endpointName(url)} answered HTTP 412 (IP risk control)`)
  if (res.status === 429) {
    const retry = Number(res.headers.get('retry-after'))
    throw new ConnectorError('RATE_LIMITED', `${endpointName(url)} answered HTTP 429`, Number.isFinite(retry) && retry > 0 ? retry * 1000 : undefined)
  }
  const text = await res.text()
  if (!res.ok) throw new ConnectorError('UPSTREAM', `${endpointName(url)} answered HTTP ${res.status}`)
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ConnectorError('UPSTREAM', `${endpointName(url)} answered non-JSON (${text.length} bytes; risk control page?)`)
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
