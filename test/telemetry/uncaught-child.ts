// Run by sentry.test.ts as a child process: Sentry from lef's config, then an uncaught error.
import { startSentry } from '../../src/telemetry/sentry'

startSentry({ dsn: process.env.SENTRY_DSN!, tracesSampleRate: 0, release: 'test' })
setTimeout(() => {
  throw new Error('uncaught in child: boom 4711')
}, 10)
