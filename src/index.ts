import { ConfigError, parseEnv } from './config'
import { startApp } from './app'

function exitOnConfigError(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err
  for (const line of err.problems) console.error(`lef: bad configuration: ${line}`)
  process.exit(1)
}

let config
try {
  config = parseEnv(process.env)
} catch (err) {
  exitOnConfigError(err)
}

// startApp also refuses settings that only make sense together (ROOMS_SHARD with ROOMS_SHARDS).
// It returns once HTTP listens: a database that is not up yet is waited for, with /ping saying so.
const app = await startApp(config, { waitUntilReady: false }).catch(exitOnConfigError)

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
