import pino from 'pino'
import { startApp, type App } from '../../src/app'
import { parseEnv } from '../../src/config'

/** A pino logger that writes nowhere; pass `level` to see lines while debugging a test. */
export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' })

/** Start a whole lef on a random port with the given environment (PGlite in memory unless DATABASE_URL is given). */
export async function startTestApp(env: Record<string, string> = {}): Promise<App> {
  const config = parseEnv({ PORT: '0', HOST: '127.0.0.1', ROOMS: '', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', NODE_ID: `test-${crypto.randomUUID().slice(0, 8)}`, ...env })
  return startApp(config, { inMemoryDatabase: !env.DATA_DIR, log: silentLog })
}
