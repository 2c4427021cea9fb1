import { afterAll, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { startGiftStream } from '../sim/bilibili/gift-stream'
import { startBilibiliSim } from '../sim/bilibili/sim'
import { simEnv } from '../sim/sim-env'
import { startTestApp } from '../support/app'
import { countStored, timeUntil } from '../support/lef-process'
import { createTestDatabase } from '../support/pg'

// Planned restarts (RESTART_INTERVAL) under a simulated Bilibili room at 200 gifts/s: each is
// make-before-break, so no gift is sent while lef has no socket, and the overlap of the two
// sockets publishes and stores every gift once.

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

test('planned restarts under 200 gifts/s: 0 missed, 0 published twice, 0 stored twice', async () => {
  const sim = await startBilibiliSim({ roomId: 30031 })
  cleanups.push(() => sim.close())
  const db = await createTestDatabase()
  cleanups.push(() => db.drop())
  const app: App = await startTestApp({ ...simEnv({ bilibili: sim }), ROOMS: String(sim.roomId), DATABASE_URL: db.url })
  cleanups.push(() => app.stop())
  await timeUntil(() => sim.openSockets === 1, 10_000, 'room connected')
  const published = new Map<string, number>()
  app.bus.subscribe((e) => {
    if (e.type === 'gift') published.set(e.id, (published.get(e.id) ?? 0) + 1)
  })

  const stream = startGiftStream(sim)
  const authsBefore = sim.stats.auths
  const RESTARTS = 3
  for (let i = 0; i < RESTARTS; i++) {
    await Bun.sleep(1500)
    app.rooms.restartAll()
    await timeUntil(() => sim.stats.auths === authsBefore + i + 1, 10_000, `restart ${i + 1} connected`)
    // The old socket closes once the new one receives.
    await timeUntil(() => sim.openSockets === 1, 10_000, `restart ${i + 1} old socket closed`)
  }
  await Bun.sleep(1000)
  stream.stop()
  await Bun.sleep(300)
  await app.writer.flush()
  const twice = [...published.values()].filter((n) => n > 1).length
  const { stored } = await countStored({ url: db.url }, stream.delivered)
  const supervisor = app.rooms.get({ platform: 'bilibili', key: String(sim.roomId) })
  console.log(
    `[planned restart x${RESTARTS} at 200 gifts/s] gifts sent ${stream.sent}, received ${stream.delivered.size}, published ${published.size} ` +
      `(twice: ${twice}), stored ${stored}, writer duplicates ${app.writer.stats.duplicates}, missed (no socket) ${stream.missed.length}, ` +
      `sockets at once (max) ${sim.stats.peakAuthedSockets}, gifts sent to both sockets ${stream.doubled}, overlap duplicates skipped by the supervisor ${supervisor?.duplicatesSkipped}`,
  )
  expect(sim.stats.auths - authsBefore).toBe(RESTARTS)
  expect(sim.stats.peakAuthedSockets).toBe(2)
  expect(stream.missed).toHaveLength(0)
  expect(twice).toBe(0)
  expect(published.size).toBe(stream.delivered.size)
  expect(stored).toBe(stream.delivered.size)
  expect(app.writer.stats.duplicates).toBe(0)
  expect(supervisor?.status.reconnects).toBe(0)
}, 60_000)
