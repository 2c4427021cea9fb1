import { describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { parseEnv } from '../../src/config'
import { openDatabase } from '../../src/store/db'

// The CI PostgreSQL (tests use DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, as the README says); it runs without TLS.
const BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const withQuery = (q: string) => `${BASE}${BASE.includes('?') ? '&' : '?'}${q}`

describe('DATABASE_URL from a hosted provider', () => {
  test('sslmode is kept; channel_binding (libpq only) is dropped', () => {
    const neon = 'postgresql://lef:pw@ep-cool-name-123.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require'
    expect(parseEnv({ DATABASE_URL: neon }).DATABASE_URL).toBe('postgresql://lef:pw@ep-cool-name-123.eu-central-1.aws.neon.tech/neondb?sslmode=require')
    expect(parseEnv({ DATABASE_URL: 'postgres://a@h/db?channel_binding=prefer' }).DATABASE_URL).toBe('postgres://a@h/db')
    expect(parseEnv({ DATABASE_URL: 'postgres://a@h/db?sslmode=verify-full' }).DATABASE_URL).toBe('postgres://a@h/db?sslmode=verify-full')
    // postgres.js reads sslmode from the URL as its `ssl` option.
    const sql = postgres(parseEnv({ DATABASE_URL: neon }).DATABASE_URL!)
    expect(sql.options.ssl as unknown).toBe('require')
    expect(Object.keys(sql.options.connection)).not.toContain('channel_binding')
  })

  test('against a real server without TLS: sslmode=require refuses to go on in plain text; the cleaned URL connects', async () => {
    await expect(openDatabase({ url: withQuery('sslmode=require') })).rejects.toThrow(/TLS|SSL|ssl/)
    const db = await openDatabase({ url: parseEnv({ DATABASE_URL: withQuery('sslmode=disable&channel_binding=require') }).DATABASE_URL! })
    try {
      await db.ping(3000)
      expect(db.kind).toBe('postgres')
    } finally {
      await db.close()
    }
  }, 20_000)
})
