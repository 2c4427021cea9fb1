/**
 * What Sentry must never receive: credentials in request headers, cookies, query strings and
 * URLs. Applied in `beforeSend`, so it covers every event whatever produced it.
 */

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-.*-(key|token|auth)|sec-websocket-protocol)$/i
const SECRET_PARAM = /^(token|key|auth|password|access_key|api_key|apikey|signature|x-bogus|_signature|msToken)$/i
const CENSOR = '[redacted]'

type Headers = Record<string, unknown>

export function scrubHeaders(headers: Headers | undefined): Headers | undefined {
  if (!headers) return headers
  const out: Headers = {}
  for (const [k, v] of Object.entries(headers)) out[k] = SECRET_HEADER.test(k) ? CENSOR : v
  return out
}

/** Credentials in a URL (`user:pass@`) and secret query parameters are censored. */
export function scrubUrl(raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return raw
  }
  if (url.username || url.password) {
    url.username = url.username ? CENSOR : ''
    url.password = url.password ? CENSOR : ''
  }
  for (const key of [...url.searchParams.keys()]) if (SECRET_PARAM.test(key)) url.searchParams.set(key, CENSOR)
  return url.toString()
}

export function scrubQuery(query: unknown): unknown {
  if (typeof query === 'string') {
    const params = new URLSearchParams(query)
    for (const key of [...params.keys()]) if (SECRET_PARAM.test(key)) params.set(key, CENSOR)
    return params.toString()
  }
  if (query && typeof query === 'object' && !Array.isArray(query)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(query)) out[k] = SECRET_PARAM.test(k) ? CENSOR : v
    return out
  }
  return query
}

/** The parts of a Sentry event that can carry request secrets. */
export interface ScrubbableEvent {
  request?: { headers?: Headers; cookies?: unknown; query_string?: unknown; url?: string; data?: unknown }
  breadcrumbs?: Array<{ data?: Record<string, unknown> }>
}

export function scrubEvent<E extends ScrubbableEvent>(event: E): E {
  if (event.request) {
    const r = event.request
    r.headers = scrubHeaders(r.headers)
    if (r.cookies !== undefined) r.cookies = CENSOR
    if (r.query_string !== undefined) r.query_string = scrubQuery(r.query_string)
    if (typeof r.url === 'string') r.url = scrubUrl(r.url)
    // Uploads and bridge messages are user data; the error never needs them.
    if (r.data !== undefined) r.data = CENSOR
  }
  for (const b of event.breadcrumbs ?? []) {
    if (!b.data) continue
    if (typeof b.data.url === 'string') b.data.url = scrubUrl(b.data.url)
    if (b.data.headers && typeof b.data.headers === 'object') b.data.headers = scrubHeaders(b.data.headers as Headers)
  }
  return event
}
