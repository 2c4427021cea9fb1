import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { parseEnv } from '../../src/config'
import { scrubConsole } from '../../src/security/console-scrub'
import { scrubberForEnv } from '../../src/security/env-secrets'
import { REDACTED, SecretScrubber, urlCredentials } from '../../src/security/secret-scrubber'
import { createLogger } from '../../src/telemetry/logger'

const REPO = join(import.meta.dir, '../..')
const DB_PASSWORD = 'Pg-Pa55word-xyz'
const DSN_KEY = 'f00dfacecafe1234beef5678'
const REDIS_PASSWORD = 'r3dis-pw-abc'

/** `bun src/index.ts` with only this environment; what it printed and how it ended. */
async function runLef(env: Record<string, string>, preload: string[] = []): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(['bun', ...preload.flatMap((p) => ['--preload', p]), 'src/index.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', HOST: '127.0.0.1', ROOMS: '', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', ...env },
    stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
  })
  const killer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  clearTimeout(killer)
  return { code, out: stdout + stderr }
}

describe('secrets never appear in start-up errors (src/index.ts as a child process)', () => {
  const cases: Array<{ name: string; env: Record<string, string>; line: RegExp; secrets: string[] }> = [
    {
      name: 'a DATABASE_URL with a malformed port (the driver would print the whole URL)',
      env: { DATABASE_URL: `postgres://lef:${DB_PASSWORD}@127.0.0.1:54x2/lef` },
      line: /^lef: bad configuration: DATABASE_URL: has a port that is not a number from 1 to 65535, e\.g\. DATABASE_URL=/m,
      secrets: [DB_PASSWORD],
    },
    {
      name: 'a DATABASE_URL whose password breaks URL parsing',
      env: { DATABASE_URL: `postgres://lef:${DB_PASSWORD}%zz@db.internal:5432/lef` },
      line: /^lef: bad configuration: DATABASE_URL: the user or password has a "%" that is not percent-encoding/m,
      secrets: [DB_PASSWORD],
    },
    {
      name: 'a SENTRY_DSN without a project id (the SDK would print it, key included)',
      env: { SENTRY_DSN: `https://${DSN_KEY}@o0.ingest.sentry.io/` },
      line: /^lef: bad configuration: SENTRY_DSN: must be a Sentry DSN: https:\/\/<public key>@<host>\/<numeric project id>/m,
      secrets: [DSN_KEY],
    },
    {
      name: 'a REDIS_URL with a malformed port',
      env: { REDIS_URL: `redis://default:${REDIS_PASSWORD}@127.0.0.1:63 79` },
      line: /^lef: bad configuration: REDIS_URL: has a port that is not a number from 1 to 65535/m,
      secrets: [REDIS_PASSWORD],
    },
    {
      name: 'all three at once: one line each',
      env: {
        DATABASE_URL: `postgres://lef:${DB_PASSWORD}@h:99999/lef`, SENTRY_DSN: `https://${DSN_KEY}@sentry.example/abc`, REDIS_URL: `redis://:${REDIS_PASSWORD}@r:0`,
      },
      line: /^lef: bad configuration: DATABASE_URL: .*\nlef: bad configuration: REDIS_URL: .*\nlef: bad configuration: SENTRY_DSN: /m,
      secrets: [DB_PASSWORD, DSN_KEY, REDIS_PASSWORD],
    },
    {
      name: 'a producer secret equal to the bridge password',
      env: { WEBSOCKET_BRIDGE_AUTH: 'Shared-Bridge-Secret', WEBSOCKET_BRIDGE_PRODUCER_AUTH: 'Shared-Bridge-Secret' },
      line: /^lef: bad configuration: WEBSOCKET_BRIDGE_PRODUCER_AUTH: must differ/m,
      secrets: ['Shared-Bridge-Secret'],
    },
  ]
  for (const c of cases) {
    test(c.name, async () => {
      const { code, out } = await runLef(c.env)
      expect(code).toBe(1)
      expect(out).toMatch(c.line)
      for (const s of c.secrets) expect(out).not.toContain(s)
      console.log(`start-up with ${Object.keys(c.env).join('+')}: exit ${code}, ${out.trim().split('\n').length} line(s), secrets shown: ${c.secrets.filter((s) => out.includes(s)).length}`)
    }, 30_000)
  }
})

describe('errors after a valid configuration', () => {
  test('an uncaught error carrying the database password is printed scrubbed, and the exit is 1', async () => {
    const started = performance.now()
    const { code, out } = await runLef(
      { DATABASE_URL: `postgres://lef:${DB_PASSWORD}@127.0.0.1:1/lef`, LEAK_PASSWORD: DB_PASSWORD, THROW_AFTER_MS: '500' },
      ['./test/security/throw-later.ts'],
    )
    expect(code).toBe(1)
    expect(out).toMatch(/^lef: uncaught error: Error: driver exploded: postgres:\/\/lef:\[redacted\]@db:5432\/lef/m)
    expect(out).not.toContain(DB_PASSWORD)
    // The wait for the database was logged meanwhile, with host:port but no password.
    expect(out).toContain('database not reachable yet')
    console.log(`uncaught error with the password: exit ${code} after ${Math.round(performance.now() - started)} ms, password shown 0 times`)
  }, 30_000)
})

describe('the secret scrubber', () => {
  test('finds every configured secret and URL credential, even in values that do not parse', () => {
    const env = {
      DATABASE_URL: `postgres://lef:${encodeURIComponent('p@ss/wörd')}@db:5432/lef`,
      REDIS_URL: `rediss://:${REDIS_PASSWORD}@r:6380`,
      SENTRY_DSN: `https://${DSN_KEY}@o1.ingest.sentry.io/42`,
      AUTH_KEY: 'first-key, second-key',
      LOGIN_SYNC_TOKEN: '0f1e2d3c-aaaa-bbbb-cccc-123456789abc@sync-password-9',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer xaat-otlp-token,X-Axiom-Dataset=lef',
      PORT: '8080',
    }
    const scrubber = scrubberForEnv(env)
    const text = `connect postgres://lef:p@ss/wörd@db failed; ${env.DATABASE_URL}; redis ${REDIS_PASSWORD}; dsn ${DSN_KEY}; keys first-key second-key; otlp xaat-otlp-token; port 8080`
    const out = scrubber.scrub(text)
    for (const s of ['p@ss/wörd', REDIS_PASSWORD, DSN_KEY, 'first-key', 'second-key', 'xaat-otlp-token', env.DATABASE_URL]) expect(out).not.toContain(s)
    expect(scrubber.scrub('login sync decrypt with sync-password-9 failed')).toBe(`login sync decrypt with ${REDACTED} failed`)
    expect(out).toContain('port 8080')
    expect(out).toContain(REDACTED)
    expect(urlCredentials(`postgres://u:${DB_PASSWORD}@h:54x2/db`, { userIsSecret: false })).toContain(DB_PASSWORD)
    expect(urlCredentials('https://publickey@sentry.io/1', { userIsSecret: true })).toContain('publickey')
    // Too short to scrub without garbling every line.
    expect(new SecretScrubber(['ab']).scrub('abc')).toBe('abc')
  })

  test('console output and log lines pass through it', () => {
    const scrubber = new SecretScrubber([DB_PASSWORD])
    const printed: string[] = []
    const fake = { log: (s: string) => printed.push(s), info: (s: string) => printed.push(s), warn: (s: string) => printed.push(s), error: (s: string) => printed.push(s), debug: (s: string) => printed.push(s), trace: (s: string) => printed.push(s) } as unknown as Console
    const restore = scrubConsole(scrubber, fake)
    fake.error(new Error(`Invalid URL postgres://x:${DB_PASSWORD}@h`))
    fake.warn('driver said', { url: `postgres://x:${DB_PASSWORD}@h` })
    fake.log('Invalid Sentry Dsn: %s', `https://${DB_PASSWORD}@sentry.io/`)
    restore()
    expect(printed).toHaveLength(3)
    expect(printed[2]).toBe('Invalid Sentry Dsn: https://[redacted]@sentry.io/')
    for (const p of printed) {
      expect(p).not.toContain(DB_PASSWORD)
      expect(p).toContain(REDACTED)
    }

    const lines: string[] = []
    const destination = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) })
    const log = createLogger({ destination, scrub: (t) => scrubber.scrub(t) })
    log.error({ cause: `password authentication failed for ${DB_PASSWORD}` }, `cannot reach postgres://x:${DB_PASSWORD}@h`)
    expect(lines.join('')).not.toContain(DB_PASSWORD)
    expect(lines.join('')).toContain(REDACTED)
  })

  test('parseEnv accepts the URLs people really use', () => {
    const ok = parseEnv({
      DATABASE_URL: 'postgresql://lef:p%40ss@ep-1.aws.neon.tech/neondb?sslmode=require',
      REDIS_URL: 'rediss://default:pw@[::1]:6380/0',
      SENTRY_DSN: 'https://abc123@o0.ingest.sentry.io/4505',
    })
    expect(ok.DATABASE_URL).toBe('postgresql://lef:p%40ss@ep-1.aws.neon.tech/neondb?sslmode=require')
    expect(parseEnv({ DATABASE_URL: 'postgres://a@h1:5432,h2:5433/db' }).DATABASE_URL).toBe('postgres://a@h1:5432,h2:5433/db')
    expect(parseEnv({ SENTRY_DSN: 'http://key@localhost:9000/1' }).SENTRY_DSN).toBe('http://key@localhost:9000/1')
  })
})
