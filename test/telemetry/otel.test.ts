import { afterAll, describe, expect, test } from 'bun:test'
import { axiomTargetFromOtlp } from '../../src/telemetry/axiom'
import { logTransportTargets } from '../../src/telemetry/logger'
import { headerValue, parseOtlpHeaders } from '../../src/telemetry/otlp-headers'
import { startTestApp } from '../support/app'
import { messageEvent } from '../support/events'
import { startReceiver } from './receiver'

interface OtlpJson {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }
    scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string | number } }> }> }>
  }>
}

const spansOf = (body: string) =>
  (JSON.parse(body) as OtlpJson).resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, attrs: Object.fromEntries(s.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue])) }))),
  )

describe('OTLP headers', () => {
  test('key=value pairs, percent-decoded, malformed ones counted', () => {
    expect(parseOtlpHeaders('Authorization=Bearer%20xaat-123,X-Axiom-Dataset=lef , =oops,bad')).toEqual({
      headers: { Authorization: 'Bearer xaat-123', 'X-Axiom-Dataset': 'lef' },
      skipped: 2,
    })
    expect(headerValue({ 'x-axiom-dataset': 'a' }, 'X-Axiom-Dataset')).toBe('a')
  })
})

describe('Axiom log transport from the OTLP headers', () => {
  test('configured when the headers name a dataset and a bearer token; the url follows the endpoint', () => {
    const { headers } = parseOtlpHeaders('Authorization=Bearer xaat-abc,X-Axiom-Dataset=lef-logs')
    const target = axiomTargetFromOtlp('https://api.eu.axiom.co/v1/traces-ignored', headers)
    expect(target).toEqual({ dataset: 'lef-logs', token: 'xaat-abc', url: 'https://api.eu.axiom.co' })
    expect(logTransportTargets({ level: 'debug', axiom: target })).toEqual([
      { target: 'pino/file', level: 'debug', options: { destination: 1 } },
      { target: '@axiomhq/pino', level: 'debug', options: { dataset: 'lef-logs', token: 'xaat-abc', url: 'https://api.eu.axiom.co' } },
    ])
  })

  test('not configured without both headers or without an endpoint', () => {
    expect(axiomTargetFromOtlp('https://api.axiom.co', parseOtlpHeaders('X-Axiom-Dataset=lef').headers)).toBeUndefined()
    expect(axiomTargetFromOtlp('https://api.axiom.co', parseOtlpHeaders('Authorization=Bearer t').headers)).toBeUndefined()
    expect(axiomTargetFromOtlp(undefined, parseOtlpHeaders('Authorization=Bearer t,X-Axiom-Dataset=lef').headers)).toBeUndefined()
    expect(logTransportTargets({ pretty: true })).toEqual([{ target: 'pino-pretty', level: 'info', options: { colorize: true } }])
  })

  test('log lines reach an Axiom-compatible ingest endpoint (a local receiver), redacted', async () => {
    const receiver = startReceiver()
    const child = Bun.spawn(['bun', 'run', new URL('./axiom-child.ts', import.meta.url).pathname], {
      env: { PATH: process.env.PATH ?? '', AXIOM_TEST_URL: receiver.url },
      stdout: 'ignore',
      stderr: 'ignore',
    })
    try {
      const hit = await receiver.waitFor((r) => r.path === '/v1/datasets/lef-logs/ingest' && r.body.includes('hello from lef to axiom'))
      expect(hit.headers.authorization).toBe('Bearer xaat-local')
      expect(hit.body).toContain('bilibili:25034104')
      expect(hit.body).not.toContain('secret-cookie')
      expect(hit.body).toContain('[redacted]')
    } finally {
      child.kill()
      await child.exited
      receiver.stop()
    }
  }, 15_000)
})

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  const receiver = startReceiver()
  afterAll(() => receiver.stop())

  test('a span per HTTP request and per database batch reaches the collector, with the configured headers and no keys', async () => {
    const AUTH = 'otel-test-auth-key'
    const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
    const app = await startTestApp({
      AUTH_KEY: AUTH,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=abc%20123',
    })
    try {
      // A caller's W3C traceparent: lef's request span joins that trace.
      expect((await fetch(`${app.url}/ping`, { headers: { traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-01` } })).status).toBe(200)
      expect((await fetch(`${app.url}/events/bilibili:25034104?token=${AUTH}`)).status).toBe(200)
      for (let i = 0; i < 3; i++) app.bus.publish(messageEvent(7000 + i))
      await app.writer.flush()
    } finally {
      // Stopping flushes the batch span processor.
      await app.stop()
    }
    const traces = receiver.received.filter((r) => r.path === '/v1/traces')
    expect(traces.length).toBeGreaterThan(0)
    expect(traces[0]!.headers['x-collector-token']).toBe('abc 123')
    expect(traces[0]!.headers['content-type']).toContain('application/json')
    const spans = traces.flatMap((t) => spansOf(t.body))
    const names = spans.map((s) => s.name)
    expect(names).toContain('GET /ping')
    expect(names).toContain('GET /events/:room')
    const batch = spans.find((s) => s.name === 'db.insert events')!
    expect(Number(batch.attrs['db.operation.batch.size'])).toBe(3)
    expect(Number(batch.attrs['lef.rows.inserted'])).toBe(3)
    // The REST query's store call has its own span, inside the request's.
    const events = spans.find((s) => s.name === 'GET /events/:room')!
    const list = spans.find((s) => s.name === 'db.list')!
    expect(list.traceId).toBe(events.traceId)
    expect(list.parentSpanId).toBe(events.spanId)
    const ping = spans.find((s) => s.name === 'GET /ping')!
    expect(ping.traceId).toBe(CALLER_TRACE)
    expect(ping.parentSpanId).toBe('00f067aa0ba902b7')
    expect(events.attrs['http.response.status_code']).toBe(200)
    expect(String(events.attrs['url.full'])).toContain('/events/bilibili:25034104?token=')
    // The key given as ?token= never leaves the process.
    for (const t of traces) expect(t.body).not.toContain(AUTH)
    const resource = (JSON.parse(traces[0]!.body) as OtlpJson).resourceSpans[0]!.resource.attributes
    expect(resource.find((a) => a.key === 'service.name')?.value.stringValue).toBe('lef')
  }, 20_000)
})
