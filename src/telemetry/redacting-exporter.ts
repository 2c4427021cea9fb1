import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { scrubUrl } from './scrub-event'

type Exporter = Pick<OTLPTraceExporter, 'export' | 'shutdown' | 'forceFlush'>
type Span = Parameters<OTLPTraceExporter['export']>[0][number]

/** Attributes that hold a full URL; `?token=<AUTH_KEY>` is a supported way to authenticate, so they carry keys. */
const URL_ATTRIBUTES = ['url.full', 'http.url', 'http.target', 'url.query'] as const

/**
 * Spans leave the process without credentials: @hono/otel records the request's full URL,
 * query string included. The exporter sees a view of each span with those attributes scrubbed;
 * the span itself is left alone.
 */
export function redactingExporter(inner: Exporter): Exporter {
  return {
    export: (spans, done) => inner.export(spans.map(redactSpan), done),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  }
}

export function redactSpan(span: Span): Span {
  const attrs = span.attributes
  if (!URL_ATTRIBUTES.some((k) => typeof attrs[k] === 'string')) return span
  const scrubbed = { ...attrs }
  for (const k of URL_ATTRIBUTES) {
    const v = scrubbed[k]
    if (typeof v === 'string') scrubbed[k] = scrubAttribute(k, v)
  }
  return new Proxy(span, { get: (target, prop) => (prop === 'attributes' ? scrubbed : Reflect.get(target, prop)) })
}

// Relative forms are scrubbed as if on a placeholder origin, which is then taken off again.
const BASE = 'http://placeholder.invalid'

function scrubAttribute(name: (typeof URL_ATTRIBUTES)[number], value: string): string {
  if (name === 'url.query') return scrubUrl(`${BASE}/?${value.replace(/^\?/, '')}`).slice(`${BASE}/?`.length)
  if (value.startsWith('/')) return scrubUrl(`${BASE}${value}`).slice(BASE.length)
  return scrubUrl(value)
}
