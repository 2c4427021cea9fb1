import { arch, release as osRelease, type as osType } from 'node:os'
import {
  captureException,
  captureMessage,
  createStackParser,
  createTransport,
  dedupeIntegration,
  eventFiltersIntegration,
  functionToStringIntegration,
  initAndBind,
  linkedErrorsIntegration,
  type BaseTransportOptions,
  type Client,
  type Integration,
} from '@sentry/core'
import { nodeStackLineParser, ServerRuntimeClient, type ServerRuntimeClientOptions } from '@sentry/core/server'
import type { ErrorReporter } from './error-reporter'
import { scrubEvent } from './scrub-event'

export interface SentryOptions {
  dsn: string
  /** SENTRY_SAMPLE_RATE: the share of traces sent. Errors are always sent. */
  tracesSampleRate: number
  release: string
  serverName?: string
}

/** Envelopes go out with the runtime's own fetch (lef never patches it). */
function fetchTransport(options: BaseTransportOptions) {
  return createTransport(options, async (request) => {
    const res = await fetch(options.url, { method: 'POST', body: request.body as BodyInit })
    return {
      statusCode: res.status,
      headers: { 'x-sentry-rate-limits': res.headers.get('x-sentry-rate-limits'), 'retry-after': res.headers.get('retry-after') },
    }
  })
}

/**
 * Uncaught exceptions are reported, flushed, then the process exits 1 as it would have without
 * a handler; unhandled rejections are reported and warned about, and the process goes on.
 */
function processErrorsIntegration(): Integration {
  return {
    name: 'LefProcessErrors',
    setup(client: Client) {
      process.on('uncaughtException', (err) => {
        captureException(err, { mechanism: { type: 'auto.node.onuncaughtexception', handled: false } })
        console.error(err)
        void Promise.resolve(client.flush(2000)).finally(() => process.exit(1))
      })
      process.on('unhandledRejection', (reason) => {
        captureException(reason, { mechanism: { type: 'auto.node.onunhandledrejection', handled: false } })
        console.warn('Unhandled promise rejection:', reason)
      })
    },
  }
}

/**
 * Sentry for errors: unhandled exceptions and rejections, plus what the app reports (connector
 * failures, 5xx answers). Built on @sentry/core's server client rather than @sentry/bun, whose
 * Node SDK brings bundler plugins and instrumentation lef never loads. Nothing global is patched:
 * fetch and Bun.serve are left alone, so upstream URLs (which carry signatures and keys) never
 * become breadcrumbs, and tracing stays with OpenTelemetry.
 */
export function startSentry(opts: SentryOptions): ErrorReporter {
  const options: ServerRuntimeClientOptions = {
    dsn: opts.dsn,
    release: `lef@${opts.release}`,
    serverName: opts.serverName,
    platform: 'node',
    runtime: { name: 'bun', version: Bun.version },
    sampleRate: 1,
    tracesSampleRate: opts.tracesSampleRate,
    transport: fetchTransport,
    stackParser: createStackParser(nodeStackLineParser()),
    integrations: [
      eventFiltersIntegration(),
      functionToStringIntegration(),
      linkedErrorsIntegration(),
      dedupeIntegration(),
      processErrorsIntegration(),
    ],
    initialScope: { contexts: { os: { name: osType(), version: osRelease() }, device: { arch: arch() } } },
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (crumb) => scrubEvent({ breadcrumbs: [crumb] }).breadcrumbs?.[0] ?? crumb,
  }
  const client = initAndBind(ServerRuntimeClient, options)
  return {
    captureException: (err, context) => {
      captureException(err, { tags: context?.tags, extra: context?.extra })
    },
    captureMessage: (message, context) => {
      captureMessage(message, { level: 'error', tags: context?.tags, extra: context?.extra })
    },
    flush: async (timeoutMs) => await client.flush(timeoutMs),
    close: async (timeoutMs) => {
      await client.close(timeoutMs)
    },
  }
}
