import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { startBilibiliSim } from '../sim/bilibili/sim'
import { simEnv } from '../sim/sim-env'
import { freePort, spawnLef, timeUntil } from '../support/lef-process'
import { createTestDatabase } from '../support/pg'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

test('a start that fails on a port already in use takes no lease and connects no room', async () => {
  const sim = await startBilibiliSim({ roomId: 30041 })
  cleanups.push(() => sim.close())
  const db = await createTestDatabase()
  cleanups.push(() => db.drop())
  const dataDir = mkdtempSync(join(tmpdir(), 'lef-port-'))
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = { ...simEnv({ bilibili: sim }), ROOMS: String(sim.roomId), DATABASE_URL: db.url, DATA_DIR: dataDir, NODE_ID: 'busy-node' }

  // A first run seeds the room and remembers it in DATA_DIR; a clean stop hands the lease back.
  const first = spawnLef(env)
  await first.ready()
  await timeUntil(() => sim.openSockets === 1, 10_000, 'room connected')
  expect(await first.stop()).toBe(0)
  expect(existsSync(join(dataDir, 'held-rooms.json'))).toBe(true)
  await timeUntil(() => sim.openSockets === 0, 5000, 'socket closed')
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  cleanups.push(() => sql.end())
  const holder = async () => (await sql<Array<{ holder: string | null }>>`select holder from rooms`)[0]?.holder
  expect(await holder()).toBeNull()

  // Something else holds the port: the second start must fail without touching the room.
  const port = freePort()
  const squatter = Bun.listen({ hostname: '127.0.0.1', port, socket: { data() {} } })
  cleanups.push(() => squatter.stop(true))
  const connectionsBefore = sim.stats.connections
  const callsBefore = sim.stats.roomInfoCalls + sim.stats.danmuInfoCalls + sim.stats.navCalls
  const second = spawnLef(env, port)
  const code = await second.exited
  await Bun.sleep(500)
  const said = second.lines.join('\n')
  console.log(`[port in use] exit code ${code}; room connections opened ${sim.stats.connections - connectionsBefore}; lease holder ${await holder()}`)
  expect(code).not.toBe(0)
  expect(said).toMatch(/EADDRINUSE|in use/i)
  expect(sim.stats.connections - connectionsBefore).toBe(0)
  expect(sim.stats.roomInfoCalls + sim.stats.danmuInfoCalls + sim.stats.navCalls - callsBefore).toBe(0)
  expect(await holder()).toBeNull()
}, 60_000)
