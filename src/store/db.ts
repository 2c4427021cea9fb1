import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import { createRowCopier, type RowCopier } from './row-copier'
import * as schema from './schema'

export type Drizzle = PgDatabase<PgQueryResultHKT, typeof schema>

/** One open database: drizzle on top of PostgreSQL (postgres.js) or embedded PGlite. */
export interface Database {
  readonly kind: 'postgres' | 'pglite'
  readonly db: Drizzle
  /** COPY into `events` (PostgreSQL only; PGlite writes through INSERT). */
  readonly copier?: RowCopier
  /** Run `select 1`; rejects with the driver's error when the database is unreachable. */
  ping(timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export const MIGRATIONS_DIR = resolve(import.meta.dir, '../../drizzle')

// Any constant works; it only has to be the same on every node migrating the same database.
const MIGRATION_LOCK_ID = 0x6c6566

export interface OpenOptions {
  /** postgres:// URL. Absent → PGlite. */
  url?: string
  /** PGlite data directory; absent → in memory (tests). */
  dataDir?: string
  /** Pool size for PostgreSQL. */
  max?: number
}

/** Open the database and bring its schema up to date (drizzle migrations in `drizzle/`). */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  // The migration holds one connection for its lock while it migrates on another: at least 2.
  return opts.url ? openPostgres(opts.url, Math.max(2, opts.max ?? 10)) : openPglite(opts.dataDir)
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const client = postgres(url, {
    max,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
    // bigint columns come back as JS numbers only where the schema says mode 'number'.
  })
  const db = drizzlePostgres(client, { schema })
  const copier = createRowCopier({ url })
  const database: Database = {
    kind: 'postgres',
    db,
    copier,
    ping: (timeoutMs = 3000) => withTimeout(client`select 1`.then(() => undefined), timeoutMs, 'database ping timed out'),
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), copier.close()])
    },
  }
  try {
    // Two nodes starting together must not both run the same migration.
    const lock = await client.reserve()
    try {
      await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`
      await migratePostgres(db, { migrationsFolder: MIGRATIONS_DIR })
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {})
      lock.release()
    }
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {})
    throw err
  }
  return database
}

async function openPglite(dataDir?: string): Promise<Database> {
  // Loaded only when used: a node on PostgreSQL would carry ~2 MB of resident memory for nothing.
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite')
  const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator')
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const client = dataDir ? new PGlite(dataDir) : new PGlite()
  const db = drizzlePglite(client, { schema })
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR })
  let closed = false
  return {
    kind: 'pglite',
    db: db as unknown as Drizzle,
    ping: async (timeoutMs = 3000) => {
      if (closed) throw new Error('database is closed')
      await withTimeout(db.execute(sql`select 1`).then(() => undefined), timeoutMs, 'database ping timed out')
    },
    close: async () => {
      if (closed) return
      closed = true
      await client.close()
    },
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
