import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ScriptedRoom } from './sim/bilibili/scripted-room'
import { startBilibiliSim, type BilibiliSim } from './sim/bilibili/sim'
import { giftEvent } from './support/events'
import { freePort, spawnLef as spawnLefProcess, type LefProcess } from './support/lef-process'
import { createTestDatabase } from './support/pg'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy'
import { waitFor } from './support/wait-for'

// Slow (about 25 s): lef waits for a database that opens 10 s after it started, as a first
// `docker compose up` or a pod before its Postgres does.

const PASSWORD = 's3cretpw'
const UPLOAD_KEY = 'upload-key-7'
// /ping names causes only to an AUTH_KEY holder; requests here send it unless they set their own headers.
const AUTH_KEY = 'auth-key-7'
const ROOM = 21452505

interface Lef {
  url: string
  proc: LefProcess['proc']
  /** Every line lef wrote to stdout and stderr so far. */
  lines: string[]
  startedAt: number
}

/** `bun src/index.ts` as a user runs it, sending AUTH_KEY, with its own DATA_DIR. */
function spawnLef(env: Record<string, string>): Lef {
  // Its own DATA_DIR: the spool there must not be shared with (or replayed into) another test's lef.
  const lef = spawnLefProcess({ AUTH_KEY, DATA_DIR: mkdtempSync(join(tmpdir(), 'lef-startup-')), ...env })
  return { url: lef.url, proc: lef.proc, lines: lef.lines, startedAt: Date.now() }
}

async function get(url: string, init: RequestInit = { headers: { authorization: `Bearer ${AUTH_KEY}` } }): Promise<{ status: number; retryAfter: string | null; body: { message?: string; data?: unknown } }> {
  const res = await fetch(url, init)
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { message?: string } }
}

/** The first /ping answer, once lef listens. */
async function firstPing(lef: Lef) {
  let answer: Awaited<ReturnType<typeof get>> | undefined
  await waitFor(async () => {
    answer = await get(`${lef.url}/ping`).catch(() => undefined)
    return answer !== undefined
  }, 15_000, 'lef listening')
  return answer!
}

const logged = (lef: Lef) =>
  lef.lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>]
    } catch {
      return []
    }
  })

describe('lef started before its database', () => {
  let sim: BilibiliSim
  let db: { url: string; drop(): Promise<void> }
  let proxy: TcpProxy | undefined
  let lef: Lef
  const script = new ScriptedRoom({ roomId: ROOM, seed: 17 })

  beforeAll(async () => {
    sim = await startBilibiliSim({ roomId: ROOM })
    db = await createTestDatabase()
  })
  afterAll(async () => {
    lef?.proc.kill('SIGKILL')
    proxy?.close()
    await sim.close()
    await db.drop()
  })

  test('serves /ping 503 with the cause while the port is closed, then migrates, starts rooms and stores events once it opens', async () => {
    // Nothing listens on this port until the proxy opens it: a real "connection refused".
    const dbPort = freePort()
    const real = new URL(db.url)
    const url = new URL(db.url)
    url.username = 'postgres'
    url.password = PASSWORD // the trust-auth test server ignores it; lef must never show it
    url.port = String(dbPort)
    lef = spawnLef({
      DATABASE_URL: url.toString(),
      ROOMS: String(ROOM),
      UPLOAD_KEY,
      BILIBILI_API_BASE: sim.apiBase,
      BILIBILI_LIVE_API_BASE: sim.liveApiBase,
      BILIBILI_WS_URL: sim.wsUrl,
      RESTART_WAIT: '300',
    })

    // HTTP is up at once and says why it is not ready.
    const ping = await firstPing(lef)
    expect(Date.now() - lef.startedAt).toBeLessThan(10_000)
    expect(ping.status).toBe(503)
    await waitFor(async () => (await get(`${lef.url}/ping`)).body.message?.startsWith('database unreachable') === true, 5000, 'a failed attempt')
    const waiting = await get(`${lef.url}/ping`)
    expect(waiting.status).toBe(503)
    expect(waiting.body.message).toMatch(/^database unreachable: connection refused \(attempt \d+(, next in \d+ s| in progress)\)$/)
    expect(Number(waiting.retryAfter)).toBeGreaterThanOrEqual(1)

    // Routes that need the database answer 503 with Retry-After at once; nothing is stored.
    const early = giftEvent(9000, { id: 'early-upload', timestamp: Date.now(), timestampNormalized: Date.now() })
    const refusedUpload = await get(`${lef.url}/upload`, {
      method: 'POST', headers: { authorization: `Bearer ${UPLOAD_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify([early]),
    })
    expect(refusedUpload.status).toBe(503)
    expect(refusedUpload.body.message).toBe('lef is not ready yet: still starting (/ping with AUTH_KEY names the cause)')
    expect(Number(refusedUpload.retryAfter)).toBeGreaterThanOrEqual(1)
    const refusedRead = await get(`${lef.url}/events/${ROOM}`)
    expect(refusedRead.status).toBe(503)
    // /info is read from memory: the SDK's fetchInfo() works while lef waits.
    expect((await get(`${lef.url}/info`)).status).toBe(200)
    // No room connects before its lease can be taken.
    expect(sim.stats.auths).toBe(0)

    // The database "comes up" 10 s after lef started.
    await Bun.sleep(Math.max(0, lef.startedAt + 10_000 - Date.now()))
    const failedBefore = logged(lef).filter((l) => l.part === 'database' && typeof l.attempt === 'number' && l.level === 40)
    expect(failedBefore.length).toBeGreaterThanOrEqual(3)
    proxy = startTcpProxy(real.hostname, Number(real.port || 5432), dbPort)

    // Backoff is capped at 30 s; the attempt after the port opens is at most that far away.
    await waitFor(async () => (await get(`${lef.url}/ping`)).status === 200, 35_000, '/ping 200')
    const healthy = await get(`${lef.url}/ping`)
    expect(healthy.body).toMatchObject({ data: { message: 'pong', database: 'postgres' } })

    // The room was seeded, its lease claimed and its connector started.
    await waitFor(() => sim.openSockets === 1, 10_000, 'the room connected')
    const danmu = Array.from({ length: 6 }, () => script.danmu())
    const superChats = [script.superChat(), script.superChat()]
    sim.send(...danmu, ...superChats)
    const roomEvents = async () => (await get(`${lef.url}/events/${ROOM}?full=1`)).body.data as Array<{ id: string; type: string }>
    await waitFor(async () => (await roomEvents()).length >= 8, 10_000, 'connector events stored')
    await Bun.sleep(200)
    const stored = await roomEvents()
    expect(stored.filter((e) => e.type === 'message')).toHaveLength(6)
    expect(stored.filter((e) => e.type === 'superchat')).toHaveLength(2)
    expect(stored).toHaveLength(8)

    // Uploads are stored and readable.
    const now = Date.now()
    const uploads = Array.from({ length: 5 }, (_, i) => giftEvent(9100 + i, { timestamp: now + i, timestampNormalized: now + i }))
    const upload = await get(`${lef.url}/upload`, {
      method: 'POST', headers: { authorization: `Bearer ${UPLOAD_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(uploads),
    })
    expect(upload).toMatchObject({ status: 200, body: { data: { received: 5, inserted: 5, duplicates: 0 } } })
    const uploaded = (await get(`${lef.url}/events/25034104?full=1`)).body.data as Array<{ id: string }>
    expect(uploaded.map((e) => e.id).sort()).toEqual(uploads.map((e) => e.id).sort())

    // One line per failed attempt, numbered 1, 2, 3, …; messages only: no stack, no password.
    const attempts = logged(lef).filter((l) => l.part === 'database' && l.msg === 'database not reachable yet; retrying')
    expect(attempts.map((l) => l.attempt)).toEqual(attempts.map((_, i) => i + 1))
    for (const line of attempts) {
      expect(line.cause).toBe('connection refused')
      expect(line.database).toBe(`127.0.0.1:${dbPort}${real.pathname}`)
      expect(line).not.toHaveProperty('err')
    }
    const all = lef.lines.join('\n')
    expect(all).not.toContain(PASSWORD)
    expect(all).not.toMatch(/\n\s+at /)
    expect(all).not.toContain('"stack"')
    expect(logged(lef).find((l) => l.msg === 'lef started')).toMatchObject({ database: 'postgres', rooms: 1 })

    lef.proc.kill('SIGTERM')
    expect(await lef.proc.exited).toBe(0)
  }, 70_000)

  test('a DATABASE_URL the server refuses is retried and reported plainly; SIGTERM while waiting exits 0 at once', async () => {
    const real = new URL(db.url)
    const url = new URL(db.url)
    url.username = 'no_such_role'
    url.password = PASSWORD
    lef = spawnLef({ DATABASE_URL: url.toString() })
    await firstPing(lef)
    await waitFor(async () => (await get(`${lef.url}/ping`)).body.message?.includes('no_such_role') === true, 5000, 'the refusal reported')
    const ping = await get(`${lef.url}/ping`)
    expect(ping.status).toBe(503)
    expect(ping.body.message).toMatch(/^database unreachable: role "no_such_role" does not exist \(attempt \d+/)
    await waitFor(() => logged(lef).some((l) => l.attempt === 2), 5000, 'a second attempt')
    const refusals = logged(lef).filter((l) => l.part === 'database' && typeof l.attempt === 'number')
    expect(refusals[0]).toMatchObject({
      level: 50, msg: 'database refused the connection; retrying', cause: 'role "no_such_role" does not exist', database: `${real.hostname}:${real.port}${real.pathname}`,
    })
    expect(refusals[0]!.hint).toContain('DATABASE_URL')

    const t0 = Date.now()
    lef.proc.kill('SIGTERM')
    expect(await lef.proc.exited).toBe(0)
    expect(Date.now() - t0).toBeLessThan(3000)
    expect(lef.lines.join('\n')).not.toContain(PASSWORD)
    expect(lef.lines.join('\n')).not.toMatch(/\n\s+at /)
  }, 30_000)
})
