import { describe, expect, test } from 'bun:test'
import { ConnectorError } from '../../../src/platforms/connector'
import { fetchJson } from '../../../src/platforms/bilibili/http'

/** A fetch that answers only when told to, and honours abort like the real one. */
const hangingFetch = (url: string, init?: RequestInit) =>
  new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))

describe('bilibili HTTP helper', () => {
  test('a hung request times out as NETWORK', async () => {
    const err = await fetchJson(hangingFetch, 'https://api.live.bilibili.com/x?secret=1', { timeoutMs: 30 }).catch((e) => e)
    expect(err).toBeInstanceOf(ConnectorError)
    expect((err as ConnectorError).code).toBe('NETWORK')
    expect((err as Error).message).toBe('request to api.live.bilibili.com/x failed: timed out after 30 ms')
  })

  test('HTML risk-control pages, 412 and 429 are named errors', async () => {
    const html = async () => new Response('<html>risk</html>', { status: 200 })
    expect(fetchJson(html, 'https://a.test/p')).rejects.toMatchObject({ code: 'UPSTREAM' })
    expect(fetchJson(async () => new Response('', { status: 412 }), 'https://a.test/p')).rejects.toMatchObject({ code: 'RISK_CONTROL' })
    const limited = await fetchJson(async () => new Response('', { status: 429, headers: { 'retry-after': '7' } }), 'https://a.test/p').catch((e) => e)
    expect(limited).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 7000 })
  })

  test('the caller abort is passed through as an abort, not a NETWORK error', async () => {
    const abort = new AbortController()
    const p = fetchJson(hangingFetch, 'https://a.test/p', { signal: abort.signal })
    abort.abort()
    const err = await p.catch((e) => e)
    expect(err).not.toBeInstanceOf(ConnectorError)
  })
})
