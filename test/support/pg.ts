import postgres from 'postgres'

/** The PostgreSQL server tests use: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test (see the README). */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * A fresh, empty database on the test server, so test files (and engineers running suites at
 * once) never see each other's rows. `drop()` removes it.
 */
export function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return createDatabaseOn(TEST_DATABASE_URL, 'lef_t')
}

/** A fresh database named `<prefix>_<time>_<random>` on the server at `serverUrl`. */
export async function createDatabaseOn(serverUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} })
      await a.unsafe(`drop database if exists ${name} with (force)`)
      await a.end()
    },
  }
}
