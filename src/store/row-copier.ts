import { SQL } from 'bun'
import { COPY_COLUMNS, copyLine, copyText } from './copy-text'
import type { NewEventRow } from './schema'

export interface RowCopier {
  /**
   * Store rows with one COPY. All or nothing: resolves once every row is committed, rejects
   * with the server's error (a duplicate id is SQLSTATE 23505) having stored none.
   */
  copy(rows: readonly NewEventRow[]): Promise<void>
  /** Encode a row now (it is remembered), so a later copy() has less to do before it sends. */
  prepare(row: NewEventRow): void
  close(): Promise<void>
}

export interface RowCopierOptions {
  url: string
  /** A COPY not finished by then is aborted and its connection dropped. */
  timeoutMs?: number
}

/** The COPY did not finish in time; its connection is dropped. Transient: the writer retries. */
export class CopyTimeoutError extends Error {
  override name = 'CopyTimeoutError'
}

const STATEMENT = `copy events (${COPY_COLUMNS.join(', ')}) from stdin`

/**
 * COPY into `events` on a connection of its own, through Bun's SQL client: the ingest
 * benchmark showed COPY takes rows at about twice the rate of INSERT … ON CONFLICT. postgres.js
 * is not used for this because its COPY stream never settles when the server rejects the data
 * after the last chunk (exactly the duplicate-id case), where Bun's rejects with the error.
 * One connection: the writer keeps one batch in flight so `seq` follows insertion order.
 */
export function createRowCopier(opts: RowCopierOptions): RowCopier {
  const timeoutMs = opts.timeoutMs ?? 10_000
  let client: SQL | undefined
  const connect = () => (client ??= new SQL(opts.url, { max: 1, idleTimeout: 60, connectionTimeout: 5 }))

  return {
    prepare(row) {
      copyLine(row)
    },
    async copy(rows) {
      if (rows.length === 0) return
      const text = copyText(rows)
      const sql = connect()
      const stream = sql.unsafe(STATEMENT).writable()
      const writer = stream.getWriter()
      let timer: ReturnType<typeof setTimeout> | undefined
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CopyTimeoutError(`COPY of ${rows.length} rows timed out after ${timeoutMs} ms`)), timeoutMs)
      })
      try {
        await Promise.race([writer.write(text).then(() => writer.close()), timedOut])
      } catch (err) {
        // Stores nothing; a connection stuck mid-COPY is dropped so the next batch gets a fresh one.
        writer.abort(err).catch(() => {})
        if (err instanceof CopyTimeoutError) {
          if (client === sql) client = undefined
          sql.close({ timeout: 0 }).catch(() => {})
        }
        throw err
      } finally {
        clearTimeout(timer)
      }
    },
    async close() {
      const sql = client
      client = undefined
      await sql?.close({ timeout: 5 })
    },
  }
}
