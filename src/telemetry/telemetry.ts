import type { Tracer } from '@opentelemetry/api'
import type { MiddlewareHandler } from 'hono'
import type { Logger } from 'pino'
import type { Env } from '../config'
import type { ErrorReporter, SessionFailure } from './error-reporter'
import { sessionFailureReporter } from './error-reporter'
import { reportServerErrors } from './http-telemetry'
import { parseOtlpHeaders } from './otlp-headers'
import type { startSentry as StartSentry } from './sentry'
import type { startTracing as StartTracing, Tracing } from './tracing'

// Sentry and the OpenTelemetry SDK are loaded only when their variable is set: importing them
// costs ~60 MB of resident memory (measured: a lef with no rooms went from 107 MB to ~50 MB),
// which most installs, running neither, should not pay. require() keeps start-up synchronous.
const loadSentry = (): typeof StartSentry => (require('./sentry') as typeof import('./sentry')).startSentry
const loadTracing = (): typeof StartTracing => (require('./tracing') as typeof import('./tracing')).startTracing

/** What the composition root gets: each piece present only when its variable is set. */
export interface Telemetry {
  /** Sentry, when SENTRY_DSN is set. */
  readonly reporter?: ErrorReporter
  /** OpenTelemetry, when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  readonly tracer?: Tracer
  /** Hono middleware: request spans and 5xx reports. */
  readonly httpMiddleware: MiddlewareHandler[]
  /** The RoomSupervisor hook for failed sessions (undefined without a reporter). */
  readonly onSessionError?: (err: unknown, failure: SessionFailure) => void
  /** Flush and stop exporters (after everything else stopped, so shutdown errors are still sent). */
  shutdown(): Promise<void>
}

export function startTelemetry(config: Env, log: Logger, opts: { version: string; instanceId: string }): Telemetry {
  const reporter = config.SENTRY_DSN
    ? loadSentry()({ dsn: config.SENTRY_DSN, tracesSampleRate: config.SENTRY_SAMPLE_RATE, release: opts.version, serverName: opts.instanceId })
    : undefined
  let tracing: Tracing | undefined
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const { headers, skipped } = parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS)
    if (skipped > 0) log.warn({ skipped }, 'OTEL_EXPORTER_OTLP_HEADERS: skipped pairs without a name (expected key=value,key2=value2)')
    tracing = loadTracing()({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, headers, version: opts.version, instanceId: opts.instanceId })
  }
  const httpMiddleware: MiddlewareHandler[] = []
  if (tracing) httpMiddleware.push(tracing.httpMiddleware)
  if (reporter) httpMiddleware.push(reportServerErrors(reporter))
  log.info({ sentry: Boolean(reporter), otel: Boolean(tracing) }, 'telemetry')
  return {
    reporter,
    tracer: tracing?.tracer,
    httpMiddleware,
    onSessionError: reporter ? sessionFailureReporter(reporter) : undefined,
    shutdown: async () => {
      await Promise.all([
        tracing?.shutdown().catch((err: unknown) => log.warn({ err }, 'OpenTelemetry shutdown failed')),
        reporter?.close(2000).catch((err: unknown) => log.warn({ err }, 'Sentry shutdown failed')),
      ])
    },
  }
}
