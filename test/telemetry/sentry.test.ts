import { afterAll, describe, expect, test } from 'bun:test'
import * as Sentry from '@sentry/core'
import { Hono } from 'hono'
import { startApp } from '../../src/app'
import { parseEnv } from '../../src/config'
import type { RoomKey } from '../../src/events'
import { ConnectorError, type Connector, type SessionEnd } from '../../src/platforms/connector'
import { shouldReportSessionFailure, type ErrorReporter } from '../../src/telemetry/error-reporter'
import { reportServerErrors } from '../../src/telemetry/http-telemetry'
import { scrubEvent, scrubUrl, type ScrubbableEvent } from '../../src/telemetry/scrub-event'
import { VERSION } from '../../src/version'
import { silentLog } from '../support/app'
import { startReceiver, type Received } from './receiver'

interface SentryEvent {
  message?: string
  exception?: { values: Array<{ type: string; value: string; mechanism?: { type: string; handled: boolean }; stacktrace?: { frames: Array<{ filename?: string }> } }> }
  contexts?: Record<string, Record<string, unknown>>
  tags?: Record<string, string>
  request?: { headers?: Record<string, string>; url?: string }
  release?: string
}

/** The event items of a Sentry envelope (newline-separated: envelope header, then item header + payload pairs). */
function eventsIn(r: Received): SentryEvent[] {
  const lines = r.body.split('\n').filter((l) => l.trim() !== '')
  const out: SentryEvent[] = []
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const header = JSON.parse(lines[i]!) as { type: string }
    if (header.type === 'event') out.push(JSON.parse(lines[i + 1]!) as SentryEvent)
  }
  return out
}

const receiver = startReceiver()
// Sentry installs process-wide handlers for uncaught errors; other test files share this
// process, so take them away again when this file is done.
const uncaughtBefore = process.listeners('uncaughtException')
const rejectionBefore = process.listeners('unhandledRejection')
afterAll(() => {
  receiver.stop()
  for (const l of process.listeners('uncaughtException')) if (!uncaughtBefore.includes(l)) process.removeListener('uncaughtException', l)
  for (const l of process.listeners('unhandledRejection')) if (!rejectionBefore.includes(l)) process.removeListener('unhandledRejection', l)
})
const dsn = `http://publickey@127.0.0.1:${receiver.port}/1`
const allEvents = () => receiver.received.filter((r) => r.path === '/api/1/envelope/').flatMap(eventsIn)
async function waitForEvent(pred: (e: SentryEvent) => boolean, ms = 10_000): Promise<SentryEvent> {
  const end = Date.now() + ms
  for (;;) {
    const hit = allEvents().find(pred)
    if (hit) return hit
    if (Date.now() > end) throw new Error(`no matching Sentry event; got ${JSON.stringify(allEvents().map((e) => e.exception?.values[0]?.value ?? e.message))}`)
    await Bun.sleep(20)
  }
}

describe('scrubbing', () => {
  test('headers, cookies, query strings and URLs lose their secrets; the rest stays', () => {
    const event = scrubEvent<ScrubbableEvent>({
      request: {
        url: 'https://lef.example.com/events/1?token=k3y&limit=5',
        headers: { Authorization: 'Bearer k3y', cookie: 'SESSDATA=abc', 'user-agent': 'curl/8', 'x-upload-key': 'u' },
        cookies: { SESSDATA: 'abc' },
        query_string: 'token=k3y&limit=5',
        data: '{"events":[]}',
      },
      breadcrumbs: [{ data: { url: 'https://webcast.tiktok.com/x?signature=s1g&room_id=1' } }],
    })
    expect(event.request!.headers).toEqual({ Authorization: '[redacted]', cookie: '[redacted]', 'user-agent': 'curl/8', 'x-upload-key': '[redacted]' })
    expect(event.request!.cookies).toBe('[redacted]')
    expect(event.request!.query_string).toBe('token=%5Bredacted%5D&limit=5')
    expect(event.request!.url).toBe('https://lef.example.com/events/1?token=%5Bredacted%5D&limit=5')
    expect(event.request!.data).toBe('[redacted]')
    expect(event.breadcrumbs![0]!.data!.url).toBe('https://webcast.tiktok.com/x?signature=%5Bredacted%5D&room_id=1')
    expect(scrubUrl('postgres://lef:pw@db:5432/lef')).toBe('postgres://%5Bredacted%5D:%5Bredacted%5D@db:5432/lef')
  })

  test('session failures are reported on the 1st, 2nd, 4th, 8th ... in a row', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 16].map(shouldReportSessionFailure)).toEqual([true, true, false, true, false, false, false, true, false, true])
    expect(shouldReportSessionFailure(0)).toBe(false)
  })
})

describe('5xx reporting middleware', () => {
  test('a thrown error is reported as the exception; a 5xx without one as a message naming the route; a 503 with Retry-After is not reported', async () => {
    const seen: Array<{ kind: string; value: string; tags?: Record<string, string> }> = []
    const reporter: ErrorReporter = {
      captureException: (err, ctx) => seen.push({ kind: 'exception', value: (err as Error).message, tags: ctx?.tags }),
      captureMessage: (message, ctx) => seen.push({ kind: 'message', value: message, tags: ctx?.tags }),
      flush: async () => true,
      close: async () => {},
    }
    const app = new Hono()
    app.onError((_err, c) => c.json({ success: false, status: 500, message: 'Internal server error' }, 500))
    app.use('*', reportServerErrors(reporter))
    app.get('/boom/:id', () => {
      throw new Error('handler exploded for 42')
    })
    app.get('/down', (c) => c.json({ success: false, status: 503, message: 'database unreachable: ECONNREFUSED' }, 503))
    app.get('/fine', (c) => c.text('ok'))
    // lef waiting for its database at start-up: a "come back later", not an error.
    app.get('/starting', (c) => c.json({ success: false, status: 503, message: 'database unreachable: connection refused' }, 503, { 'Retry-After': '4' }))
    expect((await app.request('/boom/42')).status).toBe(500)
    expect((await app.request('/down')).status).toBe(503)
    expect((await app.request('/starting')).status).toBe(503)
    expect((await app.request('/fine')).status).toBe(200)
    expect(seen).toEqual([
      { kind: 'exception', value: 'handler exploded for 42', tags: { part: 'http', method: 'GET', route: '/boom/:id', status: '500' } },
      { kind: 'message', value: 'HTTP 503 GET /down: database unreachable: ECONNREFUSED', tags: { part: 'http', method: 'GET', route: '/down', status: '503' } },
    ])
  })
})

describe('Sentry against a local envelope endpoint', () => {
  test('connector failures, 5xx answers and events with secrets arrive as real Sentry payloads', async () => {
    const failing: Connector = {
      platform: 'douyin',
      idleTimeoutMs: 60_000,
      session: async (room: RoomKey): Promise<SessionEnd> => {
        throw new ConnectorError('DEVICE_BLOCKED', `handshake refused for ${room.key} (DEVICE_BLOCKED)`)
      },
    }
    const config = parseEnv({
      PORT: '0', HOST: '127.0.0.1', ROOMS: 'douyin:646454278948', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', RESTART_WAIT: '100',
      SENTRY_DSN: dsn, SENTRY_SAMPLE_RATE: '0',
    })
    const app = await startApp(config, { inMemoryDatabase: true, log: silentLog, connectors: { douyin: failing } })
    try {
      const failure = await waitForEvent((e) => e.exception?.values[0]?.value === 'handshake refused for 646454278948 (DEVICE_BLOCKED)')
      expect(failure.exception!.values[0]!.type).toBe('ConnectorError')
      expect(failure.tags).toMatchObject({ part: 'connector', platform: 'douyin', room: '646454278948', code: 'DEVICE_BLOCKED' })
      expect(failure.release).toBe(`lef@${VERSION}`)

      // A 5xx: the database is gone, /ping answers 500, and Sentry hears which route and why.
      await app.database.close()
      const ping = await fetch(`${app.url}/ping`, { headers: { authorization: 'Bearer should-not-leak', cookie: 'SESSDATA=nope' } })
      expect(ping.status).toBe(500)
      // Without AUTH_KEY /ping names no cause (the log line does), so neither does the report.
      const down = await waitForEvent((e) => e.message === 'HTTP 500 GET /ping: unhealthy')
      expect(down.tags).toMatchObject({ part: 'http', route: '/ping', status: '500' })

      // beforeSend scrubs whatever reaches it, even an event built by hand with request headers.
      Sentry.captureEvent({ message: 'scrub check', request: { url: 'http://x/events?token=tok-123', headers: { authorization: 'Bearer tok-123', 'user-agent': 'ua' } } })
      const scrubbed = await waitForEvent((e) => e.message === 'scrub check')
      expect(scrubbed.request!.headers).toEqual({ authorization: '[redacted]', 'user-agent': 'ua' })
      expect(scrubbed.request!.url).toBe('http://x/events?token=%5Bredacted%5D')
    } finally {
      await app.stop().catch(() => {})
    }
    for (const r of receiver.received) {
      expect(r.body).not.toContain('should-not-leak')
      expect(r.body).not.toContain('SESSDATA=nope')
      expect(r.body).not.toContain('tok-123')
    }
  }, 20_000)

  test('an uncaught exception in the process is reported before it exits', async () => {
    const child = Bun.spawn(['bun', 'run', new URL('./uncaught-child.ts', import.meta.url).pathname], {
      env: { PATH: process.env.PATH ?? '', SENTRY_DSN: dsn },
      stdout: 'ignore',
      stderr: 'pipe',
    })
    const code = await child.exited
    expect(code).toBe(1)
    // The error is still printed, as without a handler.
    expect(await new Response(child.stderr).text()).toContain('uncaught in child: boom 4711')
    const event = await waitForEvent((e) => e.exception?.values[0]?.value === 'uncaught in child: boom 4711')
    expect(event.exception!.values[0]!.mechanism).toMatchObject({ type: 'auto.node.onuncaughtexception', handled: false })
    // Stack frames are parsed, down to the file that threw.
    expect(event.exception!.values[0]!.stacktrace!.frames.some((f) => f.filename?.endsWith('uncaught-child.ts'))).toBe(true)
    expect(event.contexts?.runtime).toMatchObject({ name: 'bun', version: Bun.version })
  }, 20_000)
})
