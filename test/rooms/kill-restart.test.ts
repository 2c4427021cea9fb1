import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGiftStream } from '../sim/bilibili/gift-stream'
import { startBilibiliSim } from '../sim/bilibili/sim'
import { simEnv } from '../sim/sim-env'
import { countStored, spawnLef, timeUntil, type LefProcess } from '../support/lef-process'
import { createTestDatabase } from '../support/pg'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'

// `kill -9` then an immediate restart of a one-node lef, with a simulated Bilibili room streaming
// 200 gifts/s. "missed" = gifts sent while lef had no socket; "lost" = gifts its socket received
// that never reached the database. The spool promises none is lost that arrived before the last
// fsync round; WINDOW_MS is that round with room for a loaded machine's socket and fsync delays.

const BACK_MS = 2000
const WINDOW_MS = 250
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

async function killAndRestart(kind: 'postgres' | 'pglite' | 'postgres-stalled', roomId: number) {
  const sim = await startBilibiliSim({ roomId })
  cleanups.push(() => sim.close())
  const dataDir = mkdtempSync(join(tmpdir(), 'lef-kill-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  let proxy: TcpProxy | undefined
  let dbUrl: string | undefined
  if (kind !== 'pglite') {
    const db = await createTestDatabase()
    cleanups.push(() => db.drop())
    dbUrl = db.url
    if (kind === 'postgres-stalled') {
      const u = new URL(db.url)
      proxy = startTcpProxy(u.hostname, Number(u.port || 5432))
      cleanups.push(() => proxy?.close())
      u.port = String(proxy.port)
      dbUrl = u.toString()
    }
  }
  const env = {
    ...simEnv({ bilibili: sim }), ROOMS: String(roomId), NODE_ID: `kill-${kind}`, DATA_DIR: dataDir,
    ...(dbUrl ? { DATABASE_URL: dbUrl } : {}),
  }
  const procs: LefProcess[] = []
  cleanups.push(() => Promise.all(procs.map((p) => (p.proc.exitCode === null ? (p.kill9(), p.exited) : undefined))))

  const first = spawnLef(env)
  procs.push(first)
  await first.ready()
  await timeUntil(() => sim.openSockets === 1, 10_000, 'first connection')
  const stream = startGiftStream(sim)
  await Bun.sleep(1500)
  if (proxy) {
    // The database stops answering (no error, no reply), then the process dies.
    proxy.stall()
    await Bun.sleep(500)
  }
  const authsBefore = sim.stats.auths
  const killedAt = Date.now()
  first.kill9()
  const second = spawnLef(env)
  procs.push(second)
  const backMs = await timeUntil(() => sim.stats.auths > authsBefore && sim.openSockets >= 1, 15_000, 'room back after the restart')
  await Bun.sleep(1500)
  if (proxy) {
    // The database answers again (connections made while it hung are cut, as a real recovery does).
    proxy.down()
    proxy.unstall()
    proxy.up()
  }
  await second.ready(60_000)
  stream.stop()
  await Bun.sleep(300)
  expect(await second.stop()).toBe(0)
  const { stored, missing } = await countStored(dbUrl ? { url: dbUrl.replace(`:${proxy?.port}`, ':5432') } : { dataDir }, stream.delivered)
  const missed = stream.missedSince(killedAt)
  const lostInKilled = missing.length
  const lostBeforeWindow = missing.filter((id) => (stream.deliveredAt.get(id) ?? 0) < killedAt - WINDOW_MS).length
  console.log(
    `[kill -9 restart ${kind}] room back in ${backMs} ms; gifts sent ${stream.sent}, received by lef ${stream.delivered.size}, ` +
      `stored ${stored}, missed (no socket) ${missed}, lost ${lostInKilled} (of them received over ${WINDOW_MS} ms before the kill: ${lostBeforeWindow})`,
  )
  return { backMs, missed, lostInKilled, lostBeforeWindow, stream, stored }
}

describe('kill -9 and restart: rooms come back at once', () => {
  test('on PostgreSQL', async () => {
    const r = await killAndRestart('postgres', 30001)
    expect(r.backMs).toBeLessThanOrEqual(BACK_MS)
    expect(r.missed).toBeLessThanOrEqual((BACK_MS * 200) / 1000)
    expect(r.lostBeforeWindow).toBe(0)
  }, 60_000)

  test('on PGlite (DATA_DIR)', async () => {
    const r = await killAndRestart('pglite', 30002)
    expect(r.backMs).toBeLessThanOrEqual(BACK_MS)
    expect(r.missed).toBeLessThanOrEqual((BACK_MS * 200) / 1000)
    expect(r.lostBeforeWindow).toBe(0)
  }, 60_000)

  test('while PostgreSQL is stalled: the held-rooms file reconnects before the database answers', async () => {
    const r = await killAndRestart('postgres-stalled', 30003)
    expect(r.backMs).toBeLessThanOrEqual(BACK_MS)
    expect(r.missed).toBeLessThanOrEqual((BACK_MS * 200) / 1000)
    // The stall's gifts were in the killed process's memory and in its spool: the restart stores them.
    expect(r.lostBeforeWindow).toBe(0)
  }, 90_000)
})
