import { ConnectorError } from '../connector'
import { decodeFetchResult, TikTokFrameError } from './frame-codec'
import { retryAfterMs } from '../http/retry-after'
import { networkError } from './http-errors'
import type { SignedConnect, SignProvider, SignRequest } from './sign-provider'

export const DEFAULT_EULER_SIGN_SERVER = 'https://api.eulerstream.com'

export interface EulerSignProviderOptions {
  /** Base URL of an Euler-Stream-compatible sign server (env TIKTOK_SIGN_SERVER). */
  signServer?: string
  /** API key, sent as `x-api-key` (env TIKTOK_SIGN_API_KEY). Never logged. */
  apiKey?: string
  /** `client` query value identifying us to the sign server. */
  clientName?: string
  fetch?: typeof fetch
  /** Clock for HTTP-date retry-after values. */
  now?: () => number
}

/** When a 429 names no wait, assume a minute: Euler's free tier limits per minute (TLC#65). */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000

/**
 * Euler Stream's `GET /webcast/rooms/{roomId}/connect`: 200 is a protobuf
 * ProtoMessageFetchResult with the cookie to use in `x-set-tt-cookie`; 429 carries `retry-after`
 * seconds; 401/403 a bad key; 402 a paid feature (docs §1.3).
 */
export function createEulerSignProvider(opts: EulerSignProviderOptions = {}): SignProvider {
  const base = (opts.signServer ?? DEFAULT_EULER_SIGN_SERVER).replace(/\/+$/, '')
  const doFetch = opts.fetch ?? fetch
  const now = opts.now ?? Date.now

  async function signConnect(req: SignRequest): Promise<SignedConnect> {
    const url = new URL(`${base}/webcast/rooms/${encodeURIComponent(req.roomId)}/connect`)
    url.searchParams.set('client', opts.clientName ?? 'lef')
    url.searchParams.set('cursor', '')
    url.searchParams.set('user_agent', req.userAgent)
    url.searchParams.set('client_enter', 'true')
    url.searchParams.set('platform', 'web')
    const headers: Record<string, string> = { accept: 'application/protobuf,application/json' }
    if (opts.apiKey) headers['x-api-key'] = opts.apiKey

    let res: Response
    try {
      res = await doFetch(url, { headers, signal: req.signal })
    } catch (err) {
      throw networkError('sign server unreachable', err)
    }
    if (res.status === 429) {
      const wait = retryAfterMs(res.headers.get('retry-after'), now(), DEFAULT_RATE_LIMIT_WAIT_MS)
      const detail = await readMessage(res)
      throw new ConnectorError('RATE_LIMITED', `sign server rate limit (retry in ${Math.round(wait / 1000)} s)${detail}`, wait)
    }
    if (res.status === 401 || res.status === 403) throw new ConnectorError('AUTH', `sign server refused the API key (HTTP ${res.status})${await readMessage(res)}`)
    if (res.status === 402) throw new ConnectorError('AUTH', `sign server: this needs a paid plan (HTTP 402)${await readMessage(res)}`)
    if (res.status !== 200) throw new ConnectorError('UPSTREAM', `sign server answered HTTP ${res.status}${await readMessage(res)}`)

    const body = new Uint8Array(await res.arrayBuffer())
    if (body.length === 0) throw new ConnectorError('RISK_CONTROL', 'sign server returned an empty fetch result (TikTok may be blocking this signer)')
    const cookieHeader = res.headers.get('x-set-tt-cookie') ?? ''
    if (cookieHeader === '') throw new ConnectorError('UPSTREAM', 'sign server returned no x-set-tt-cookie')
    let fetchResult
    try {
      fetchResult = decodeFetchResult(body)
    } catch (err) {
      if (err instanceof TikTokFrameError) throw new ConnectorError('PROTOCOL', `sign server body: ${err.message}`, undefined, { cause: err })
      throw err
    }
    if (fetchResult.pushServer === '') throw new ConnectorError('PROTOCOL', 'sign server fetch result has no push server')
    if (fetchResult.cursor === '') throw new ConnectorError('PROTOCOL', 'sign server fetch result has no cursor')
    const roomId = res.headers.get('x-room-id') ?? undefined
    return { fetchResult, cookieHeader, ...(roomId ? { roomId } : {}) }
  }

  return { name: 'euler', signConnect }
}

/** A short detail from an error body (`{message}` JSON or text), for the log line. */
async function readMessage(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 300)
    if (text === '') return ''
    try {
      const json = JSON.parse(text) as { message?: unknown }
      if (typeof json.message === 'string') return `: ${json.message}`
    } catch {
      // not JSON: use the text as is
    }
    return `: ${text}`
  } catch {
    return ''
  }
}
