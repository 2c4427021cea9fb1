import { afterAll, expect, test } from 'bun:test'
import { startGiftStream } from '../sim/bilibili/gift-stream'
import { startBilibiliSim } from '../sim/bilibili/sim'
import { simEnv } from '../sim/sim-env'
import { countStored, spawnLef, timeUntil } from '../support/lef-process'
import { createTestDatabase } from '../support/pg'
import { startTcpProxy } from '../support/tcp-proxy'

// A 30 s PostgreSQL outage (a TCP proxy in front of it cuts every connection and refuses new
// ones) under a simulated Bilibili room at 200 gifts/s: lef must keep its socket the whole time,
// hold the gifts in memory, and store every one once the database is back.

const CUT_MS = 30_000
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

test('a 30 s database cut: the room stays connected, 0 gifts missed, all stored after it returns', async () => {
  const sim = await startBilibiliSim({ roomId: 30021 })
  cleanups.push(() => sim.close())
  const db = await createTestDatabase()
  cleanups.push(() => db.drop())
  const u = new URL(db.url)
  const proxy = startTcpProxy(u.hostname, Number(u.port || 5432))
  cleanups.push(() => proxy.close())
  u.port = String(proxy.port)
  const lef = spawnLef({ ...simEnv({ bilibili: sim }), ROOMS: String(sim.roomId), DATABASE_URL: u.toString(), NODE_ID: 'cut-node' })
  cleanups.push(() => (lef.proc.exitCode === null ? (lef.kill9(), lef.exited) : undefined))
  await lef.ready()
  await timeUntil(() => sim.openSockets === 1, 10_000, 'room connected')
  const authsBefore = sim.stats.auths

  const stream = startGiftStream(sim)
  await Bun.sleep(1000)
  proxy.down()
  const cutAt = Date.now()
  let socketLostMs = 0
  while (Date.now() - cutAt < CUT_MS) {
    await Bun.sleep(20)
    if (sim.openSockets === 0) socketLostMs += 20
  }
  proxy.up()
  await Bun.sleep(1000)
  stream.stop()
  // Every gift received is written once the database answers again (the writer retries with backoff).
  const t0 = Date.now()
  let stored = 0
  while (Date.now() - t0 < 20_000) {
    stored = (await countStored({ url: db.url }, stream.delivered)).stored
    if (stored === stream.delivered.size) break
    await Bun.sleep(500)
  }
  const storedAfterMs = Date.now() - t0
  const leaseLost = lef.lines.filter((l) => l.includes('stopping room')).length
  const metrics = await (await fetch(`${lef.url}/metrics`)).text()
  const refused = metrics.split('\n').filter((l) => l.startsWith('lef_events_refused_total')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0)
  console.log(
    `[30 s database cut] gifts sent ${stream.sent}, received ${stream.delivered.size}, stored ${stored} (${storedAfterMs} ms after the cut ended), ` +
      `missed (no socket) ${stream.missed.length}, lost ${stream.delivered.size - stored}; reconnects ${sim.stats.auths - authsBefore}, rooms stopped ${leaseLost}, refused ${refused}`,
  )
  expect(stream.missed).toHaveLength(0)
  expect(socketLostMs).toBe(0)
  expect(sim.stats.auths - authsBefore).toBe(0)
  expect(leaseLost).toBe(0)
  expect(refused).toBe(0)
  expect(stored).toBe(stream.delivered.size)
  expect(stream.delivered.size).toBeGreaterThan(6000)
  expect(await lef.stop()).toBe(0)
}, 90_000)
