import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { AuthFailLimiter } from '../../src/http/auth-fail-limit'
import { HOOK_TIMEOUT_MS } from '../fanout/clients'
import { startTestApp } from '../support/app'

describe('AuthFailLimiter', () => {
  test('blocks an address at the limit until its window ends; other addresses are untouched', () => {
    let now = 1_000_000
    const blocks: Array<[string, number]> = []
    const limiter = new AuthFailLimiter({ limit: 3, windowMs: 60_000, now: () => now, onBlock: (a, s) => blocks.push([a, s]) })
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(0)
      limiter.fail('10.0.0.1')
    }
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(60)
    expect(limiter.retryAfterSeconds('10.0.0.2')).toBe(0)
    now += 45_500
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(15)
    now += 14_500
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(0)
    expect(limiter.blocked).toBe(2)
    // Told once, when the address reached the limit.
    expect(blocks).toEqual([['10.0.0.1', 60]])
  })

  test('0 turns it off; the table of addresses stays bounded', () => {
    const off = new AuthFailLimiter({ limit: 0 })
    for (let i = 0; i < 100; i++) off.fail('a')
    expect(off.retryAfterSeconds('a')).toBe(0)
    const small = new AuthFailLimiter({ limit: 1, maxAddresses: 10 })
    for (let i = 0; i < 1000; i++) small.fail(`addr-${i}`)
    // The newest are remembered, the oldest forgotten.
    expect(small.retryAfterSeconds('addr-999')).toBeGreaterThan(0)
    expect(small.retryAfterSeconds('addr-0')).toBe(0)
  })
})

describe('AUTH_FAIL_LIMIT on a running lef', () => {
  const KEY = 'limit-auth-key'
  const UPLOAD = 'limit-upload-key'
  const PASSWORD = 'limit-bridge-password'
  let app: App
  const get = (path: string, key?: string) => fetch(`${app.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} })

  beforeAll(async () => {
    app = await startTestApp({ AUTH_KEY: KEY, UPLOAD_KEY: UPLOAD, WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, AUTH_FAIL_LIMIT: '5' })
  }, HOOK_TIMEOUT_MS)
  afterAll(() => app.stop(), HOOK_TIMEOUT_MS)

  test('wrong keys from one address on any route count together; past the limit every key check answers 429 with Retry-After', async () => {
    // Missing keys are not guesses: they are refused (401) but not counted.
    for (let i = 0; i < 10; i++) expect((await get('/rooms')).status).toBe(401)
    // Five wrong keys spread over REST, uploads, /ping and the bridge.
    const wrong = [
      await get('/rooms', 'guess-1'),
      await fetch(`${app.url}/upload`, { method: 'POST', headers: { authorization: 'Bearer guess-2' }, body: '[]' }),
      await get('/ping', 'guess-3'),
      await get('/info', 'guess-4'),
      await fetch(`${app.url}/?token=guess-5`, {
        headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
      }),
    ]
    expect(wrong.map((r) => r.status)).toEqual([401, 401, 401, 401, 401])

    // Now even the right keys wait: a guesser learns nothing from the answers.
    const blocked = [
      await get('/rooms', KEY),
      await get('/events/25034104', 'guess-6'),
      await fetch(`${app.url}/upload`, { method: 'POST', headers: { authorization: `Bearer ${UPLOAD}` }, body: '[]' }),
      await get('/ping', KEY),
    ]
    for (const res of blocked) {
      expect(res.status).toBe(429)
      const retryAfter = Number(res.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(60)
      expect(((await res.json()) as { message: string }).message).toContain('Too many wrong keys')
    }
    const ws = await fetch(`${app.url}/?token=${PASSWORD}`, {
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    })
    expect(ws.status).toBe(429)
    expect(Number(ws.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)

    // Routes that check no key still answer: the health check without a key, the docs.
    expect((await get('/ping')).status).toBe(200)
    expect((await get('/openapi.json')).status).toBe(200)
    console.log(`AUTH_FAIL_LIMIT=5: 10 missing keys not counted, 5 wrong keys → 401, then ${blocked.length + 1} key checks → 429 (Retry-After ${blocked[0]!.headers.get('retry-after')} s)`)
  })
})
