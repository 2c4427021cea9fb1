import { ConfigError, parseEnv } from './config'
import { startApp } from './app'

let config
try {
  config = parseEnv(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  for (const line of err.problems) console.error(`lef: bad configuration: ${line}`)
  process.exit(1)
}

const app = await startApp(config)

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
