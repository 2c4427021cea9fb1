import { SQL } from 'bun'
import { COPY_COLUMNS, copyLine, copyText } from './copy-text'
import type { NewEventRow } from './schema'

/**
 * Rows per write into the COPY stream (~140 kB of text). One string for a whole batch made
 * PostgreSQL wait while Bun converted all of it (megabytes) to UTF-8 before the first byte left;
 * in chunks it parses the first while the next is converted and sent (measured: a 5,000-row
 * batch went from ~1.07 to ~1.2 times the rate of one big COPY of the same text).
 */
const CHUNK_ROWS = 200

/** The batch's COPY text in chunks of CHUNK_ROWS rows. */
function copyChunks(rows: readonly NewEventRow[]): string[] {
  const out: string[] = []
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) out.push(copyText(rows.slice(i, i + CHUNK_ROWS)))
  return out
}

/** Each chunk awaited before the next, so the socket gets the first while the rest waits. */
async function writeAll(writer: WritableStreamDefaultWriter<string>, chunks: string[]): Promise<void> {
  for (const c of chunks) await writer.write(c)
  await writer.close()
}


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
      // Encoded before the COPY starts: a row that cannot be encoded fails the batch here.
      const chunks = copyChunks(rows)
      const sql = connect()
      const stream = sql.unsafe(STATEMENT).writable()
      const writer = stream.getWriter()
      let timer: ReturnType<typeof setTimeout> | undefined
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CopyTimeoutError(`COPY of ${rows.length} rows timed out after ${timeoutMs} ms`)), timeoutMs)
      })
      try {
        await Promise.race([writeAll(writer, chunks), timedOut])
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
