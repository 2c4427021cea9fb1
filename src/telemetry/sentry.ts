import * as Sentry from '@sentry/bun'
import type { ErrorReporter } from './error-reporter'
import { scrubEvent } from './scrub-event'

export interface SentryOptions {
  dsn: string
  /** SENTRY_SAMPLE_RATE: the share of traces sent. Errors are always sent. */
  tracesSampleRate: number
  release: string
  serverName?: string
}

/**
 * Sentry for errors: unhandled exceptions and rejections, plus what the app reports (connector
 * failures, 5xx answers). Only integrations that do not patch globals: fetch and Bun.serve are
 * left alone, so upstream URLs (which carry signatures and keys) never become breadcrumbs, and
 * tracing stays with OpenTelemetry.
 */
export function startSentry(opts: SentryOptions): ErrorReporter {
  const client = Sentry.init({
    dsn: opts.dsn,
    release: `lef@${opts.release}`,
    serverName: opts.serverName,
    sampleRate: 1,
    tracesSampleRate: opts.tracesSampleRate,
    defaultIntegrations: false,
    integrations: [
      Sentry.eventFiltersIntegration(),
      Sentry.functionToStringIntegration(),
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration({ mode: 'warn' }),
      Sentry.nodeContextIntegration(),
    ],
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (crumb) => scrubEvent({ breadcrumbs: [crumb] }).breadcrumbs?.[0] ?? crumb,
  })
  return {
    captureException: (err, context) => {
      Sentry.captureException(err, { tags: context?.tags, extra: context?.extra })
    },
    captureMessage: (message, context) => {
      Sentry.captureMessage(message, { level: 'error', tags: context?.tags, extra: context?.extra })
    },
    flush: async (timeoutMs) => (client ? await client.flush(timeoutMs) : true),
    close: async (timeoutMs) => {
      await client?.close(timeoutMs)
    },
  }
}
