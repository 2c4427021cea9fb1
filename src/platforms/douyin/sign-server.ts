import { ConnectorError } from '../connector'
import { requestSignal } from '../http/request-timeout'
import { retryAfterMs } from '../http/retry-after'
import { type DouyinSigner, type SignatureInput, xMsStub } from './sign'

/**
 * An external signer reached over HTTP, for when Douyin changes the algorithm faster than we do.
 *
 * Contract: `POST <url>` with `Content-Type: application/json` and body
 * `{"roomId","userUniqueId","sdkVersion","versionCode","xMsStub"}` (all strings; xMsStub is the
 * md5 of the fixed parameter string, so a server that only wraps frontierSign needs nothing else).
 * It answers 200 with `{"signature":"<value>"}`. 429 (with optional Retry-After seconds) means
 * rate limited; any other status is an error.
 */
export interface SignServerOptions {
  url: string
  fetch?: typeof fetch
  timeoutMs?: number
}

export function createSignServerSigner(opts: SignServerOptions): DouyinSigner {
  const doFetch = opts.fetch ?? fetch
  const timeoutMs = opts.timeoutMs ?? 10_000
  return {
    kind: 'sign-server',
    async sign(input: SignatureInput, signal?: AbortSignal): Promise<string> {
      const body = JSON.stringify({ ...input, xMsStub: xMsStub(input) })
      let res: Response
      try {
        res = await doFetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: requestSignal(signal, timeoutMs),
        })
      } catch (err) {
        throw new ConnectorError('NETWORK', `sign server unreachable: ${(err as Error).message}`, undefined, { cause: err })
      }
      if (res.status === 429) {
        throw new ConnectorError('RATE_LIMITED', 'sign server answered 429', retryAfterMs(res.headers.get('retry-after'), Date.now(), undefined))
      }
      if (!res.ok) throw new ConnectorError('UPSTREAM', `sign server answered HTTP ${res.status}`)
      let json: unknown
      try {
        json = await res.json()
      } catch (err) {
        throw new ConnectorError('PROTOCOL', 'sign server answered non-JSON', undefined, { cause: err })
      }
      const sig = (json as { signature?: unknown } | null)?.signature
      if (typeof sig !== 'string' || sig === '') throw new ConnectorError('PROTOCOL', 'sign server answer has no "signature" string')
      return sig
    },
  }
}
