import type { Logger } from 'pino'
import { ConnectorError } from '../connector'

/**
 * The anonymous `ttwid` cookie every Douyin request needs. lef fetches it from the web base
 * (`GET /` answers with Set-Cookie ttwid), keeps it, takes renewed values from any later
 * response, and fetches a fresh one when it is older than `maxAgeMs` or was invalidated
 * (e.g. after a refused handshake).
 */
export interface TtwidJarOptions {
  webBase: string
  userAgent: string
  fetch: typeof fetch
  now?: () => number
  /** Refresh after this long even if nothing went wrong (default 24 h). */
  maxAgeMs?: number
  /** A ttwid the user supplied in DOUYIN_COOKIE: used as is, never fetched or replaced. */
  fixed?: string
}

/** Pick the value of one cookie out of Set-Cookie headers. */
export function cookieFromSetCookie(headers: Headers, name: string): string | null {
  const all = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [headers.get('set-cookie') ?? '']
  for (const line of all) {
    const first = line.split(';', 1)[0] ?? ''
    const eq = first.indexOf('=')
    if (eq > 0 && first.slice(0, eq).trim() === name) {
      const value = first.slice(eq + 1).trim()
      if (value !== '') return value
    }
  }
  return null
}

/** Value of one cookie in a `Cookie:` header string. */
export function cookieFromHeader(cookie: string, name: string): string | null {
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

const HTTP_TIMEOUT_MS = 15_000

export class TtwidJar {
  private value: string | null = null
  private fetchedAt = 0
  /** One request in flight at a time: rooms starting together share it. */
  private pending: Promise<string> | null = null
  private readonly now: () => number
  private readonly maxAgeMs: number

  constructor(private readonly opts: TtwidJarOptions) {
    this.now = opts.now ?? Date.now
    this.maxAgeMs = opts.maxAgeMs ?? 24 * 3600_000
  }

  /** A usable ttwid, fetching one when missing or stale. */
  async get(log: Logger, signal?: AbortSignal): Promise<string> {
    if (this.opts.fixed) return this.opts.fixed
    if (this.value && this.now() - this.fetchedAt < this.maxAgeMs) return this.value
    // Not tied to one session's signal: other rooms may be waiting on the same request.
    this.pending ??= this.fetchNew(log).finally(() => {
      this.pending = null
    })
    const pending = this.pending
    // Waiters may all have gone (aborted); a failure then is nobody's to handle.
    pending.catch(() => {})
    if (!signal) return pending
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => reject(signal.reason)
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  private async fetchNew(log: Logger): Promise<string> {
    let res: Response
    try {
      res = await this.opts.fetch(`${this.opts.webBase}/`, {
        headers: { 'user-agent': this.opts.userAgent },
        redirect: 'manual',
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      })
      await res.body?.cancel()
    } catch (err) {
      throw new ConnectorError('NETWORK', `ttwid request failed: ${(err as Error).message}`, undefined, { cause: err })
    }
    const ttwid = cookieFromSetCookie(res.headers, 'ttwid')
    if (!ttwid) throw new ConnectorError('UPSTREAM', `no ttwid cookie from ${this.opts.webBase}/ (HTTP ${res.status})`)
    this.value = ttwid
    this.fetchedAt = this.now()
    log.debug({ status: res.status }, 'douyin: got a fresh ttwid')
    return ttwid
  }

  /** Take a renewed ttwid when a response carries one. */
  absorb(headers: Headers): void {
    if (this.opts.fixed) return
    const ttwid = cookieFromSetCookie(headers, 'ttwid')
    if (ttwid) {
      this.value = ttwid
      this.fetchedAt = this.now()
    }
  }

  /** Forget the current value; the next `get` fetches a new one. */
  invalidate(): void {
    this.value = null
  }
}

/**
 * The Cookie header for Douyin: the user's logged-in cookie string when given (its own ttwid
 * wins), plus our ttwid otherwise, plus any extra cookies (e.g. __ac_nonce).
 */
export function buildCookieHeader(ttwid: string | null, userCookie: string | undefined, extra: Record<string, string> = {}): string {
  const parts: string[] = []
  const user = userCookie?.trim().replace(/;\s*$/, '')
  if (user) parts.push(user)
  if (ttwid && !(user && cookieFromHeader(user, 'ttwid'))) parts.push(`ttwid=${ttwid}`)
  for (const [k, v] of Object.entries(extra)) parts.push(`${k}=${v}`)
  return parts.join('; ')
}
