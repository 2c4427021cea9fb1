import postgres from 'postgres'

/** The PostgreSQL server tests use (DESIGN.md: default postgres://postgres@127.0.0.1:5432/test). */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * A fresh, empty database on the test server, so test files (and engineers running suites at
 * once) never see each other's rows. `drop()` removes it.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
  const name = `lef_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} })
      await a.unsafe(`drop database if exists ${name} with (force)`)
      await a.end()
    },
  }
}
