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
  /**
   * Bring the schema up to date (drizzle migrations in `drizzle/`). On PostgreSQL this is the
   * first contact with the server; a failure leaves nothing half-open, so it may be called again.
   */
  migrate(): Promise<void>
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
  const database = await createDatabase(opts)
  try {
    await database.migrate()
  } catch (err) {
    await database.close().catch(() => {})
    throw err
  }
  return database
}

/**
 * The database's clients, with no schema check yet. A PostgreSQL client connects at its first
 * query, so this succeeds while the server is unreachable; `migrate()` is what needs it.
 */
export async function createDatabase(opts: OpenOptions): Promise<Database> {
  return opts.url ? createPostgres(opts.url, opts.max ?? 10) : createPglite(opts.dataDir)
}

function createPostgres(url: string, max: number): Database {
  const client = postgres(url, {
    max,
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
    // bigint columns come back as JS numbers only where the schema says mode 'number'.
  })
  const db = drizzlePostgres(client, { schema })
  const copier = createRowCopier({ url })
  return {
    kind: 'postgres',
    db,
    copier,
    ping: (timeoutMs = 3000) => withTimeout(client`select 1`.then(() => undefined), timeoutMs, 'database ping timed out'),
    migrate: () => migratePostgresSchema(url),
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), copier.close()])
    },
  }
}

/**
 * Migrate on a client of its own, ended afterwards: a postgres.js connection reserved while the
 * server was unreachable stays broken, so every attempt starts from a fresh client.
 */
async function migratePostgresSchema(url: string): Promise<void> {
  // The lock holds one connection while the migration runs on the other.
  const client = postgres(url, { max: 2, connect_timeout: 5, onnotice: () => {} })
  try {
    // Two nodes starting together must not both run the same migration.
    const lock = await client.reserve()
    try {
      await lock`select pg_advisory_lock(${MIGRATION_LOCK_ID})`
      await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder: MIGRATIONS_DIR })
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.catch(() => {})
      lock.release()
    }
  } finally {
    await client.end({ timeout: 1 }).catch(() => {})
  }
}

async function createPglite(dataDir?: string): Promise<Database> {
  // Loaded only when used: a node on PostgreSQL would carry ~2 MB of resident memory for nothing.
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite')
  const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator')
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const client = dataDir ? new PGlite(dataDir) : new PGlite()
  const db = drizzlePglite(client, { schema })
  let closed = false
  return {
    kind: 'pglite',
    db: db as unknown as Drizzle,
    ping: async (timeoutMs = 3000) => {
      if (closed) throw new Error('database is closed')
      await withTimeout(db.execute(sql`select 1`).then(() => undefined), timeoutMs, 'database ping timed out')
    },
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_DIR }),
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
