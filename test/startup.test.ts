import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from './fixtures'
import { createTestDatabase } from './support/pg'

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/** Start `bun start` as a user would and time it to the first healthy /ping. */
async function startAndPing(input: Record<string, string>): Promise<{ ms: number; body: unknown; stop: () => Promise<number> }> {
  // AUTH_KEY: /ping shows the database kind only to a key holder.
  const env = { AUTH_KEY: 'startup-key', ...input }
  const port = freePort()
  const started = performance.now()
  const proc = Bun.spawn(['bun', 'start'], {
    cwd: REPO_ROOT,
    // ROOMS empty: no test may reach a real platform.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), ROOMS: '', LOG_LEVEL: 'warn', ...env },
    stdout: 'ignore',
    stderr: 'pipe',
  })
  for (;;) {
    if (performance.now() - started > 15_000) {
      proc.kill()
      throw new Error(`no /ping 200 after 15 s: ${await new Response(proc.stderr).text()}`)
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ping`, { headers: { authorization: `Bearer ${env.AUTH_KEY}` } })
      if (res.status === 200) {
        const ms = performance.now() - started
        return {
          ms,
          body: await res.json(),
          stop: async () => {
            proc.kill('SIGTERM')
            return proc.exited
          },
        }
      }
    } catch {
      // not listening yet
    }
    await Bun.sleep(50)
  }
}

describe('start-up as the README says', () => {
  test('no environment: PGlite in DATA_DIR, /ping 200, clean exit on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lef-data-'))
    try {
      const run = await startAndPing({ DATA_DIR: dir })
      expect(run.body).toMatchObject({ success: true, data: { message: 'pong', database: 'pglite' } })
      // A new PGlite directory runs initdb (~2.5 s on an idle 2-core machine; `bun run bench`
      // measures it). The bound here is loose so a loaded CI machine does not fail on timing.
      expect(run.ms).toBeLessThan(15_000)
      expect(await run.stop()).toBe(0)
      // The data survives a restart (same directory, migrations already applied).
      const again = await startAndPing({ DATA_DIR: dir })
      expect(again.body).toMatchObject({ data: { database: 'pglite' } })
      expect(await again.stop()).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 40_000)

  test('DATABASE_URL set: the same on PostgreSQL', async () => {
    const db = await createTestDatabase()
    try {
      const run = await startAndPing({ DATABASE_URL: db.url })
      expect(run.body).toMatchObject({ success: true, data: { message: 'pong', database: 'postgres' } })
      expect(run.ms).toBeLessThan(15_000)
      expect(await run.stop()).toBe(0)
    } finally {
      await db.drop()
    }
  }, 30_000)
})
