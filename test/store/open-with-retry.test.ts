import { describe, expect, test } from 'bun:test'
import pino from 'pino'
import { DatabaseReadiness } from '../../src/store/db-readiness'
import { databaseWhere, openWithRetry, StoppedBeforeReady } from '../../src/store/open-with-retry'

/** A real pino logger whose lines are kept, parsed. */
function capturingLog() {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) })
  return { log, lines }
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' })

describe('openWithRetry', () => {
  test('retries with growing, capped waits, one line per failure, and reports each state', async () => {
    const { log, lines } = capturingLog()
    const readiness = new DatabaseReadiness()
    const seen: string[] = []
    let calls = 0
    const t0 = Date.now()
    const result = await openWithRetry({
      open: async () => {
        seen.push(readiness.describe())
        if (++calls < 5) throw refused()
      },
      readiness, log, where: '127.0.0.1:5999/db', retry: true, signal: new AbortController().signal,
      baseMs: 20, capMs: 60, random: () => 1,
    })
    expect(result).toEqual({ attempts: 5 })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20 + 40 + 60 + 60 - 5)
    const failures = lines.filter((l) => l.msg === 'database not reachable yet; retrying')
    expect(failures.map((l) => [l.attempt, l.retryInMs, l.cause])).toEqual([
      [1, 20, 'connection refused'], [2, 40, 'connection refused'], [3, 60, 'connection refused'], [4, 60, 'connection refused'],
    ])
    expect(lines.at(-1)).toMatchObject({ msg: 'database is reachable', attempt: 5 })
    expect(seen[0]).toBe('starting: opening the database (attempt 1)')
    expect(seen[1]).toBe('database unreachable: connection refused (attempt 2 in progress)')
    readiness.failed(7, 'connection refused', 7500)
    expect(readiness.describe()).toBe('database unreachable: connection refused (attempt 7, next in 8 s)')
    expect(readiness.retryAfterSeconds()).toBe(8)
  })

  test('a password in an error the driver did not classify is masked', async () => {
    const { log, lines } = capturingLog()
    const readiness = new DatabaseReadiness()
    const controller = new AbortController()
    const { secrets } = databaseWhere('postgres://lef:p%40ss-w0rd@db.internal:6543/lef')
    const run = openWithRetry({
      open: async () => {
        throw new Error('could not connect with postgres://lef:p@ss-w0rd@db.internal:6543/lef (p@ss-w0rd)')
      },
      readiness, log, secrets, retry: true, signal: controller.signal, baseMs: 10_000,
    })
    await Bun.sleep(20)
    controller.abort()
    await expect(run).rejects.toBeInstanceOf(StoppedBeforeReady)
    expect(JSON.stringify(lines)).not.toContain('p@ss-w0rd')
    expect(readiness.describe()).not.toContain('p@ss-w0rd')
    expect(readiness.describe()).toContain('***')
  })

  test('the host, port and database name are logged; user and password are not', () => {
    expect(databaseWhere('postgres://lef:secret@db.internal:6543/lef?sslmode=require')).toEqual({ where: 'db.internal:6543/lef', secrets: ['secret'] })
    expect(databaseWhere('postgres://db.internal/lef').where).toBe('db.internal:5432/lef')
  })

  test('a server refusing the URL (no such role or database) is an error line with a hint, still retried', async () => {
    const { log, lines } = capturingLog()
    let calls = 0
    await openWithRetry({
      open: async () => {
        if (++calls === 1) throw Object.assign(new Error('database "lef" does not exist'), { code: '3D000' })
      },
      readiness: new DatabaseReadiness(), log, retry: true, signal: new AbortController().signal, baseMs: 5,
    })
    expect(lines[0]).toMatchObject({ level: 50, msg: 'database refused the connection; retrying', cause: 'database "lef" does not exist' })
    expect(lines[0]!.hint).toContain('DATABASE_URL')
  })

  test('without retry (PGlite) the first failure is final', async () => {
    const { log } = capturingLog()
    const run = openWithRetry({
      open: async () => {
        throw new Error('data directory is corrupt')
      },
      readiness: new DatabaseReadiness(), log, retry: false, signal: new AbortController().signal,
    })
    await expect(run).rejects.toThrow('cannot open the database: data directory is corrupt')
  })

  test('a stop ends the wait at once, even while an attempt hangs', async () => {
    const { log } = capturingLog()
    const controller = new AbortController()
    const run = openWithRetry({
      open: () => new Promise(() => {}),
      readiness: new DatabaseReadiness(), log, retry: true, signal: controller.signal,
    })
    const t0 = Date.now()
    setTimeout(() => controller.abort(), 20)
    await expect(run).rejects.toBeInstanceOf(StoppedBeforeReady)
    expect(Date.now() - t0).toBeLessThan(500)
  })
})
