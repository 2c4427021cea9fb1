import { ConfigError, parseEnv } from './config'
import { startApp } from './app'
import { scrubConsole } from './security/console-scrub'
import { scrubberForEnv } from './security/env-secrets'

// Before anything can print: drivers and SDKs echo what they were given (a URL with its password,
// a DSN with its key), so console output and log lines pass through the environment's scrubber.
const scrubber = scrubberForEnv(process.env)
scrubConsole(scrubber)

// Bun prints an uncaught error itself, bypassing console. With SENTRY_DSN, Sentry's handler
// reports it and prints through console (scrubbed) before exiting; without, this one does.
if (!process.env.SENTRY_DSN?.trim()) {
  const fatal = (kind: string) => (err: unknown) => {
    const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err)
    console.error(`lef: ${kind}: ${text}`)
    process.exit(1)
  }
  process.on('uncaughtException', fatal('uncaught error'))
  process.on('unhandledRejection', fatal('unhandled rejection'))
}

/** A start-up that cannot go on: one clear line per problem, secrets scrubbed, exit code 1. */
function exitOnStartError(err: unknown): never {
  if (err instanceof ConfigError) {
    for (const line of err.problems) console.error(`lef: bad configuration: ${line}`)
  } else {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    console.error(`lef: cannot start: ${scrubber.scrub(message)}`)
  }
  process.exit(1)
}

let config
try {
  config = parseEnv(process.env)
} catch (err) {
  exitOnStartError(err)
}

// startApp also refuses settings that only make sense together (ROOMS_SHARD with ROOMS_SHARDS).
// It returns once HTTP listens: a database that is not up yet is waited for, with /ping saying so.
const app = await startApp(config, { waitUntilReady: false, scrub: (text) => scrubber.scrub(text) }).catch(exitOnStartError)

let signals = 0
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal while shutting down means "now".
    if (++signals > 1) process.exit(1)
    app.log.info({ signal }, 'shutdown requested')
    app.stop().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}

// Only a database that can never open (a broken PGlite directory) ends start-up; a stop does too,
// and then the signal handler above owns the exit.
app.ready.catch((err: Error) => {
  if (signals > 0) return
  app.log.fatal({ reason: err.message }, 'lef cannot start')
  void app.stop().finally(() => process.exit(1))
})
