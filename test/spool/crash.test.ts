import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { sql as sqlText } from 'drizzle-orm'
import { openDatabase } from '../../src/store/db'
import { startScriptedRoom } from '../sim/bilibili/scripted-room'
import { startBilibiliSim, type BilibiliSim } from '../sim/bilibili/sim'
import { simEnv } from '../sim/sim-env'
import { createTestDatabase } from '../support/pg'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'
import { waitFor } from '../support/wait-for'
import { producer, producerAuth, spawnLef, untilReady, witness, type LefChild } from './lef-child'

// SIGKILL and SIGTERM of a real lef process (bun run src/index.ts) fed by a bridge producer, with
// PostgreSQL behind a proxy this test stalls or cuts. A bridge consumer witnesses what lef
// received (published) and when; the database is read directly at the end.

/** Events received this long before the kill may be lost only if the spool's fsync round had not run. */
const FSYNC_WINDOW_MS = 250

let db: { url: string; drop(): Promise<void> }
let proxy: TcpProxy
let dataDir: string
let sql: postgres.Sql
let sim: BilibiliSim
const children: LefChild[] = []

beforeAll(async () => {
  db = await createTestDatabase()
  const target = new URL(db.url)
  proxy = startTcpProxy(target.hostname, Number(target.port || 5432))
  dataDir = mkdtempSync(join(tmpdir(), 'lef-crash-'))
  sql = postgres(db.url, { max: 1, onnotice: () => {} })
  sim = await startBilibiliSim()
})

afterAll(async () => {
  for (const c of children) c.proc.kill('SIGKILL')
  await sql?.end()
  await sim?.close()
  proxy?.close()
  await db?.drop()
  rmSync(dataDir, { recursive: true, force: true })
})

function start(env: Record<string, string> = {}): LefChild {
  const url = new URL(db.url)
  url.port = String(proxy.port)
  const lef = spawnLef({
    DATABASE_URL: url.toString(), DATA_DIR: dataDir, WEBSOCKET_BRIDGE: 'true', SPOOL_FSYNC_MS: '5', ...producerAuth().env, ...env,
  })
  children.push(lef)
  return lef
}

async function storedIds(): Promise<Set<string>> {
  const rows = await sql<{ id: string }[]>`select id from events`.catch(() => [] as { id: string }[])
  return new Set(rows.map((r) => r.id))
}

interface Round {
  label: string
  sent: number
  acked: string[]
  /** Received (witnessed) more than the fsync window before the kill. */
  before: string[]
  /** Received within the window, with how long before the kill (ms). */
  within: Array<[string, number]>
}

describe('spool: crash and shutdown', () => {
  test('SIGKILL at random moments, database up and stalled: nothing acknowledged or received before the fsync window is lost', async () => {
    const rounds: Round[] = []
    // A live simulator room too: its events reach lef through a connector, not a producer.
    const roomEnv = { ROOMS: String(sim.roomId), ROOM_LEASE_TTL: '1000', ...simEnv({ bilibili: sim }) }
    const traffic = startScriptedRoom(sim, { intervalMs: 20, seed: 11 })
    const plan = [
      { label: 'db up', stall: false },
      { label: 'db stalled', stall: true },
      { label: 'db up', stall: false },
      { label: 'db stalled', stall: true },
    ]
    for (const [k, step] of plan.entries()) {
      const lef = start(roomEnv)
      await untilReady(lef)
      const seen = await witness(lef)
      const prod = await producer(lef, `r${k}`, { perMessage: 5, everyMs: 4, paidEvery: 3 })
      await Bun.sleep(300)
      if (step.stall) proxy.stall()
      const delay = 200 + Math.floor(Math.random() * 1000)
      await Bun.sleep(delay)
      const killedAt = Date.now()
      lef.proc.kill('SIGKILL')
      await lef.proc.exited
      prod.stop()
      if (step.stall) proxy.unstall()
      const before = [...seen.seen].filter(([, t]) => t < killedAt - FSYNC_WINDOW_MS).map(([id]) => id)
      const within = [...seen.seen].filter(([, t]) => t >= killedAt - FSYNC_WINDOW_MS).map(([id, t]): [string, number] => [id, killedAt - t])
      rounds.push({ label: `${step.label}, killed ${300 + delay} ms in`, sent: prod.sent().length, acked: [...prod.acked], before, within })
      seen.close()
      prod.close()
    }

    // One more start replays what the spool holds; then everything that must be there is.
    const last = start(roomEnv)
    await untilReady(last)
    traffic.stop()
    const mustHave = new Set(rounds.flatMap((r) => [...r.acked, ...r.before]))
    let stored = await storedIds()
    await waitFor(async () => {
      stored = await storedIds()
      return [...mustHave].every((id) => stored.has(id))
    }, 30_000, 'every acknowledged and received event stored').catch(() => {})
    const replayed = last.logged().find((l) => l.msg === 'spool: replay handed every event to the writer')

    const fromRoom = rounds.flatMap((r) => r.before).filter((id) => !/^r\d-/.test(id))
    let totals = {
      sent: 0, acked: 0, ackedLost: 0, received: 0, receivedLost: 0, withinWindow: 0, withinLost: 0, oldestLostMsBeforeKill: 0,
      receivedFromRoom: fromRoom.length, receivedFromRoomLost: fromRoom.filter((id) => !stored.has(id)).length,
    }
    for (const r of rounds) {
      const ackedLost = r.acked.filter((id) => !stored.has(id)).length
      const receivedLost = r.before.filter((id) => !stored.has(id)).length
      const lostAges = r.within.filter(([id]) => !stored.has(id)).map(([, age]) => age)
      const withinLost = lostAges.length
      console.log(`spool crash [${r.label}]: sent=${r.sent} acked=${r.acked.length} acked lost=${ackedLost} received=${r.before.length + r.within.length} received lost outside ${FSYNC_WINDOW_MS} ms window=${receivedLost} within window=${r.within.length} (lost ${withinLost}, received at most ${Math.max(0, ...lostAges)} ms before the kill)`)
      totals = {
        sent: totals.sent + r.sent, acked: totals.acked + r.acked.length, ackedLost: totals.ackedLost + ackedLost,
        received: totals.received + r.before.length + r.within.length, receivedLost: totals.receivedLost + receivedLost,
        withinWindow: totals.withinWindow + r.within.length, withinLost: totals.withinLost + withinLost,
        oldestLostMsBeforeKill: Math.max(totals.oldestLostMsBeforeKill, ...lostAges),
        receivedFromRoom: totals.receivedFromRoom, receivedFromRoomLost: totals.receivedFromRoomLost,
      }
    }
    console.log(`spool crash total: ${JSON.stringify(totals)} stored=${stored.size} replayed on last start=${replayed?.replayed}`)
    expect(totals.acked).toBeGreaterThan(1000)
    expect(totals.ackedLost).toBe(0)
    expect(totals.receivedLost).toBe(0)
    expect(totals.receivedFromRoom).toBeGreaterThan(50)
    last.proc.kill('SIGTERM')
    expect(await last.proc.exited).toBe(0)
  }, 120_000)

  test('SIGTERM with the database down exits within 10 s; the next start stores the rest', async () => {
    const lef = start()
    await untilReady(lef)
    const before = await storedIds()
    const prod = await producer(lef, 'term', { perMessage: 5, everyMs: 4, paidEvery: 3 })
    await Bun.sleep(300)
    proxy.down()
    await Bun.sleep(1000)
    prod.stop()
    await Bun.sleep(100)
    const acked = [...prod.acked]
    const t0 = performance.now()
    lef.proc.kill('SIGTERM')
    const code = await lef.proc.exited
    const exitMs = Math.round(performance.now() - t0)
    prod.close()
    const storedAtExit = [...(await storedIds())].filter((id) => !before.has(id) && id.startsWith('term-')).length
    proxy.up()

    const next = start()
    await untilReady(next)
    let stored = await storedIds()
    await waitFor(async () => {
      stored = await storedIds()
      return acked.every((id) => stored.has(id))
    }, 30_000, 'acknowledged events stored after restart').catch(() => {})
    const lost = acked.filter((id) => !stored.has(id)).length
    console.log(`spool SIGTERM db down: exit code=${code} in ${exitMs} ms; acked=${acked.length} stored before exit=${storedAtExit} left in spool=${acked.length - storedAtExit} stored after restart=${acked.length - lost} lost=${lost}`)
    expect(code).toBe(0)
    expect(exitMs).toBeLessThan(10_000)
    expect(lost).toBe(0)
    next.proc.kill('SIGTERM')
    await next.proc.exited
  }, 90_000)

  test('SIGTERM with the database stalled and a live room exits within 10 s; the next start stores what was received', async () => {
    const roomEnv = { ROOMS: String(sim.roomId), ...simEnv({ bilibili: sim }) }
    const lef = start(roomEnv)
    await untilReady(lef)
    await waitFor(() => sim.openSockets === 1, 20_000, 'the room connected')
    const seen = await witness(lef)
    const traffic = startScriptedRoom(sim, { intervalMs: 20, seed: 5 })
    await Bun.sleep(500)
    proxy.stall()
    await Bun.sleep(1500)
    const t0 = performance.now()
    lef.proc.kill('SIGTERM')
    const code = await lef.proc.exited
    const exitMs = Math.round(performance.now() - t0)
    traffic.stop()
    const received = [...seen.seen.keys()]
    seen.close()
    proxy.unstall()

    const next = start(roomEnv)
    await untilReady(next)
    let stored = await storedIds()
    await waitFor(async () => {
      stored = await storedIds()
      return received.every((id) => stored.has(id))
    }, 30_000, 'received events stored after restart').catch(() => {})
    const lost = received.filter((id) => !stored.has(id)).length
    console.log(`spool SIGTERM db stalled, 1 live room: exit code=${code} in ${exitMs} ms; sim sent=${traffic.sent} received=${received.length} stored after restart=${received.length - lost} lost=${lost}`)
    expect(received.length).toBeGreaterThan(50)
    expect(code).toBe(0)
    expect(exitMs).toBeLessThan(10_000)
    expect(lost).toBe(0)
    next.proc.kill('SIGTERM')
    await next.proc.exited
  }, 120_000)

  test('on PGlite (DATABASE_URL unset): SIGKILL mid-stream twice, nothing acknowledged is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lef-crash-pglite-'))
    try {
      const env = { DATA_DIR: dir, WEBSOCKET_BRIDGE: 'true', SPOOL_FSYNC_MS: '5', ...producerAuth().env }
      const acked: string[] = []
      const received: string[] = []
      let sent = 0
      for (const k of [0, 1]) {
        const lef = spawnLef(env)
        children.push(lef)
        await untilReady(lef)
        const seen = await witness(lef)
        const prod = await producer(lef, `pg${k}`, { perMessage: 5, everyMs: 4, paidEvery: 3 })
        await Bun.sleep(500 + Math.floor(Math.random() * 800))
        const killedAt = Date.now()
        lef.proc.kill('SIGKILL')
        await lef.proc.exited
        prod.stop()
        sent += prod.sent().length
        acked.push(...prod.acked)
        received.push(...[...seen.seen].filter(([, t]) => t < killedAt - FSYNC_WINDOW_MS).map(([id]) => id))
        seen.close()
        prod.close()
      }
      const last = spawnLef(env)
      children.push(last)
      await untilReady(last)
      await waitFor(() => last.logged().some((l) => l.msg === 'spool: replay handed every event to the writer'), 20_000, 'spool replayed').catch(() => {})
      last.proc.kill('SIGTERM')
      expect(await last.proc.exited).toBe(0)
      const database = await openDatabase({ dataDir: dir })
      const rows = (await database.db.execute<{ id: string }>(sqlText`select id from events`)) as unknown as { rows: { id: string }[] }
      await database.close()
      const stored = new Set(rows.rows.map((r) => r.id))
      const ackedLost = acked.filter((id) => !stored.has(id)).length
      const receivedLost = received.filter((id) => !stored.has(id)).length
      console.log(`spool crash PGlite: sent=${sent} acked=${acked.length} acked lost=${ackedLost} received (outside window)=${received.length} lost=${receivedLost} stored=${stored.size}`)
      expect(acked.length).toBeGreaterThan(300)
      expect(ackedLost).toBe(0)
      expect(receivedLost).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  test('a second lef on the same DATA_DIR runs without a spool and says so; the first keeps it', async () => {
    const first = start()
    await untilReady(first)
    const second = start()
    await untilReady(second)
    const said = second.logged().find((l) => l.msg === 'spool disabled: events are not journaled on disk by this process; give each lef its own DATA_DIR')
    console.log(`spool shared DATA_DIR: second lef ready=${second.proc.exitCode === null} logged=${said !== undefined} reason=${String(said?.reason)}`)
    expect(said?.reason).toContain(`in use by process ${first.proc.pid}`)
    expect(second.proc.exitCode).toBeNull()
    for (const lef of [second, first]) {
      lef.proc.kill('SIGTERM')
      expect(await lef.proc.exited).toBe(0)
    }
  }, 60_000)
})
