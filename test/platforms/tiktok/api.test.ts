import { afterEach, describe, expect, test } from 'bun:test'
import { ConnectorError } from '../../../src/platforms/connector'
import { resolveRoom } from '../../../src/platforms/tiktok/api'
import { checkAlive } from '../../../src/platforms/tiktok/check-alive'
import { createEulerSignProvider } from '../../../src/platforms/tiktok/euler-sign-provider'
import { retryAfterMs } from '../../../src/platforms/http/retry-after'
import { parseLivePage } from '../../../src/platforms/tiktok/live-page'
import { buildPushUrl } from '../../../src/platforms/tiktok/ws-url'
import { SIM_COOKIE, startTikTokSim, type TikTokSim } from '../../sim/tiktok/sim'
import { captureLogger } from './helpers'

let sim: TikTokSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const { log } = captureLogger('silent')
const deps = (s: TikTokSim) => ({ webBase: s.webBase, userAgent: 'test-UA', fetch })
const signal = () => new AbortController().signal

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p
  } catch (err) {
    if (err instanceof ConnectorError) return err
    throw err
  }
  throw new Error('expected a ConnectorError')
}

describe('tiktok room resolve', () => {
  test('live page state gives room id, uid and live status', async () => {
    sim = startTikTokSim()
    const r = await resolveRoom('sim_host', deps(sim), signal(), log)
    expect(r).toEqual({ roomId: '7270193599273683745', status: 2, uid: '7000000000000000001', nickname: 'Sim Host', title: 'Sim live', live: true })
    expect(sim.stats.pageRequests).toBe(1)
    expect(sim.stats.apiRequests).toBe(0)
  })

  test('an ended live (status 4) is offline, not an error', async () => {
    sim = startTikTokSim({ users: { quiet: { roomId: '7270000000000000001', live: false } } })
    const r = await resolveRoom('quiet', deps(sim), signal(), log)
    expect(r.live).toBe(false)
    expect(r.status).toBe(4)
  })

  test('a page without state falls back to the user room API', async () => {
    sim = startTikTokSim({ livePage: 'empty' })
    const r = await resolveRoom('sim_host', deps(sim), signal(), log)
    expect(r.roomId).toBe('7270193599273683745')
    expect(r.live).toBe(true)
    expect(sim.stats.apiRequests).toBe(1)
  })

  test('an unknown handle is NOT_FOUND', async () => {
    sim = startTikTokSim()
    const err = await rejection(resolveRoom('nobody_here', deps(sim), signal(), log))
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toContain('@nobody_here')
  })

  test('a captcha page plus a blocked API is RISK_CONTROL', async () => {
    sim = startTikTokSim({ livePage: 'captcha', apiBlocked: true })
    const err = await rejection(resolveRoom('sim_host', deps(sim), signal(), log))
    expect(err.code).toBe('RISK_CONTROL')
  })

  test('an unreachable host is NETWORK', async () => {
    const err = await rejection(resolveRoom('x', { webBase: 'http://127.0.0.1:1', userAgent: 'ua', fetch }, signal(), log))
    expect(err.code).toBe('NETWORK')
  })

  test('check_alive reads the alive flag', async () => {
    sim = startTikTokSim({ users: { a: { roomId: '11', live: true }, b: { roomId: '22', live: false } } })
    expect(await checkAlive(sim.webcastBase, '11', { fetch, userAgent: 'ua' }, signal())).toBe(true)
    expect(await checkAlive(sim.webcastBase, '22', { fetch, userAgent: 'ua' }, signal())).toBe(false)
  })

  test('live page parser: state, captcha, unknown', () => {
    const html = `<script id="SIGI_STATE" type="application/json">{"LiveRoom":{"liveRoomUserInfo":{"user":{"roomId":"99","id":"5","nickname":"N","status":2},"liveRoom":{"status":2,"title":"T"}}}}</script>`
    expect(parseLivePage(html)).toEqual({ kind: 'room', room: { roomId: '99', status: 2, uid: '5', nickname: 'N', title: 'T' } })
    expect(parseLivePage('<div>Please complete the captcha</div>')).toEqual({ kind: 'no-state', blocked: true })
    expect(parseLivePage('<script id="SIGI_STATE" type="application/json">{not json</script>')).toEqual({ kind: 'no-state', blocked: false })
  })
})

describe('euler sign provider', () => {
  test('200: fetch result, cookie header and room id; the API key is sent', async () => {
    sim = startTikTokSim({ apiKey: 'k-123' })
    const signer = createEulerSignProvider({ signServer: sim.signServer, apiKey: 'k-123' })
    const s = await signer.signConnect({ roomId: '7270193599273683745', userAgent: 'ua', signal: signal() })
    expect(s.cookieHeader).toBe(SIM_COOKIE)
    expect(s.roomId).toBe('7270193599273683745')
    expect(s.fetchResult.cursor).toBe('sim-cursor-1')
    expect(s.fetchResult.routeParams).toEqual({ wrss: 'sim-wrss-signature' })
    expect(s.fetchResult.pushServer).toBe(sim.pushServer)
    expect(sim.stats.lastSignApiKey).toBe('k-123')

    const url = new URL(buildPushUrl(s.fetchResult, '7270193599273683745'))
    expect(url.searchParams.get('room_id')).toBe('7270193599273683745')
    expect(url.searchParams.get('cursor')).toBe('sim-cursor-1')
    expect(url.searchParams.get('internal_ext')).toBe('sim-ext-0')
    expect(url.searchParams.get('wrss')).toBe('sim-wrss-signature')
    expect(url.searchParams.get('compress')).toBe('gzip')
    expect(url.searchParams.get('version_code')).toBe('270000')
  })

  test('429 is RATE_LIMITED with the retry-after wait', async () => {
    sim = startTikTokSim()
    sim.rateLimitNextSign(42)
    const signer = createEulerSignProvider({ signServer: sim.signServer })
    const err = await rejection(signer.signConnect({ roomId: '1', userAgent: 'ua', signal: signal() }))
    expect(err.code).toBe('RATE_LIMITED')
    expect(err.retryAfterMs).toBe(42_000)
    expect(err.message).toContain('Too many connections started')
    // Only once: the next request signs.
    expect((await signer.signConnect({ roomId: '1', userAgent: 'ua', signal: signal() })).fetchResult.cursor).toBe('sim-cursor-1')
  })

  test('a wrong key is AUTH', async () => {
    sim = startTikTokSim({ apiKey: 'right' })
    const err = await rejection(createEulerSignProvider({ signServer: sim.signServer, apiKey: 'wrong' }).signConnect({ roomId: '1', userAgent: 'ua', signal: signal() }))
    expect(err.code).toBe('AUTH')
    expect(err.message).not.toContain('wrong')
  })

  test('retry-after parsing: seconds, HTTP date, missing', () => {
    expect(retryAfterMs('7', 0, 1)).toBe(7000)
    expect(retryAfterMs(new Date(60_000).toUTCString(), 0, 1)).toBe(60_000)
    expect(retryAfterMs(null, 0, 1234)).toBe(1234)
    expect(retryAfterMs('soon', 0, 99)).toBe(99)
  })
})
