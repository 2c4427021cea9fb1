import type { Logger } from 'pino'
import { backoffDelay } from '../backoff'
import type { DatabaseReadiness } from './db-readiness'
import { describeConnectFailure } from './errors'

export interface OpenWithRetryOptions {
  /** One attempt: migrate and whatever else needs the database before lef may serve. */
  open: () => Promise<void>
  readiness: DatabaseReadiness
  log: Logger
  /** Where the database is, for the log (`host:port/db`, never credentials). */
  where?: string
  /** Masked in every cause that is logged or shown (the URL's password). */
  secrets?: readonly string[]
  /** false: the first failure is final (embedded PGlite: waiting cannot make it work). */
  retry: boolean
  signal: AbortSignal
  baseMs?: number
  capMs?: number
  random?: () => number
}

/** Start-up was stopped (SIGTERM) before the database opened. */
export class StoppedBeforeReady extends Error {
  override name = 'StoppedBeforeReady'
}

/**
 * Run `open` until it succeeds, with exponential backoff between attempts (1 s doubling to
 * 30 s by default). Each failure is one log line with the cause in words and no stack: a
 * first boot before PostgreSQL accepts connections is expected, not a crash. A stop (the
 * signal) ends the wait at once, even mid-attempt.
 */
export async function openWithRetry(opts: OpenWithRetryOptions): Promise<{ attempts: number }> {
  const { readiness, log, signal } = opts
  const baseMs = opts.baseMs ?? 1000
  const capMs = opts.capMs ?? 30_000
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new StoppedBeforeReady('stopped before the database opened')
    readiness.opening(attempt)
    try {
      await untilAborted(opts.open(), signal)
      if (attempt > 1) log.info({ attempt, database: opts.where }, 'database is reachable')
      return { attempts: attempt }
    } catch (err) {
      if (err instanceof StoppedBeforeReady) throw err
      const failure = describeConnectFailure(err, opts.secrets)
      if (!opts.retry) throw new Error(`cannot open the database: ${failure.cause}`)
      const retryInMs = backoffDelay(attempt - 1, baseMs, capMs, opts.random)
      readiness.failed(attempt, failure.cause, retryInMs)
      const fields = { attempt, cause: failure.cause, retryInMs, database: opts.where }
      if (failure.refused) log.error({ ...fields, hint: 'the server refused DATABASE_URL: check its user, password and database name' }, 'database refused the connection; retrying')
      else log.warn(fields, 'database not reachable yet; retrying')
      await sleepUnlessAborted(retryInMs, signal)
    }
  }
}

/** The database's host, port and name from its URL, without user or password. */
export function databaseWhere(url: string): { where: string; secrets: string[] } {
  try {
    const u = new URL(url)
    const secrets = [...new Set([decodeURIComponent(u.password), u.password])].filter((s) => s !== '')
    return { where: `${u.hostname}:${u.port || '5432'}${u.pathname}`, secrets }
  } catch {
    return { where: 'DATABASE_URL', secrets: [] }
  }
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  // An attempt left running after a stop settles on its own (its client ends); nobody waits for it.
  p.catch(() => {})
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StoppedBeforeReady('stopped before the database opened'))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
