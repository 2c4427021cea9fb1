import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'
import { createTestDatabase } from '../support/pg'
import { ScriptedRoom } from '../sim/bilibili/scripted-room'
import { startBilibiliSim, type BilibiliSim } from '../sim/bilibili/sim'
import { waitFor } from '../support/wait-for'

type Stored = { id: string; type: string; room: string; origin: number; priceNormalized?: number; message?: string }

// The whole daemon against the Bilibili simulator: config → RoomManager → connector → bus →
// writer → PostgreSQL → REST.
describe('lef against the Bilibili simulator, on PostgreSQL', () => {
  let app: App
  let sim: BilibiliSim
  let drop: () => Promise<void>
  const script = new ScriptedRoom({ roomId: 21452505, seed: 7 })
  const room = () => app.rooms.list()[0]!
  const events = async (full = false): Promise<Stored[]> =>
    ((await (await fetch(`${app.url}/events/21452505${full ? '?full=1' : ''}`)).json()) as { data: Stored[] }).data

  beforeAll(async () => {
    sim = await startBilibiliSim({ roomId: 21452505, shortId: 777 })
    const db = await createTestDatabase()
    drop = db.drop
    app = await startTestApp({
      DATABASE_URL: db.url,
      ROOMS: '777', // the short id: lef resolves the long one
      BILIBILI_API_BASE: sim.apiBase,
      BILIBILI_LIVE_API_BASE: sim.liveApiBase,
      BILIBILI_WS_URL: sim.wsUrl,
      RESTART_WAIT: '300',
    })
    await waitFor(() => room().state === 'connected')
  })
  afterAll(async () => {
    await app.stop()
    await sim.close()
    await drop()
  })

  test('the short id resolves to the long room; /info and /events accept either', async () => {
    expect(room().info).toMatchObject({ roomId: '21452505', shortRoomId: 777, live: true })
    sim.send(script.gift(), script.superChat(), script.danmu())
    await waitFor(async () => (await events(true)).length >= 3)
    const byShort = ((await (await fetch(`${app.url}/events/777?full=1`)).json()) as { data: Stored[] }).data
    expect(byShort.map((e) => e.id)).toEqual((await events(true)).map((e) => e.id))
    expect(byShort.every((e) => e.room === '21452505' && e.origin === 21452505)).toBe(true)
  })

  test('a guard purchase (USER_TOAST_MSG + GUARD_BUY) is one paid toast at the price paid', async () => {
    const before = (await events()).filter((e) => e.type === 'toast').length
    sim.send(...script.guard())
    await waitFor(async () => (await events()).filter((e) => e.type === 'toast').length > before)
    await Bun.sleep(150)
    const toasts = (await events()).filter((e) => e.type === 'toast')
    expect(toasts).toHaveLength(before + 1)
    expect(toasts.at(-1)!.priceNormalized).toBe(198)
  })

  test('the simulator drops the socket mid-stream: lef reconnects with backoff, re-authenticates, stores nothing twice', async () => {
    const authsBefore = sim.stats.auths
    const burst = Array.from({ length: 30 }, () => script.danmu())
    sim.send(...burst.slice(0, 15))
    sim.drop()
    await waitFor(() => room().reconnects >= 1)
    await waitFor(() => room().state === 'connected' && sim.openSockets === 1)
    expect(sim.stats.auths).toBe(authsBefore + 1)
    // Upstream replays what it sent around the drop: the replayed half must not be stored again.
    sim.send(...burst)
    await waitFor(async () => (await events(true)).length >= 3 + 30)
    await Bun.sleep(200)
    const all = await events(true)
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length)
    expect(all.filter((e) => e.type === 'message')).toHaveLength(31) // 1 from the first test + the 30 of the burst
  })

  test('the planned restart (RESTART_INTERVAL) opens the new connection before closing the old one', async () => {
    const authsBefore = sim.stats.auths
    const reconnectsBefore = room().reconnects
    const states = new Set<string>()
    const watch = setInterval(() => states.add(room().state), 2)
    app.rooms.restartAll()
    await waitFor(() => sim.stats.auths === authsBefore + 1)
    await waitFor(() => sim.openSockets === 1)
    clearInterval(watch)
    // Make-before-break: the room never left `connected`, and a planned restart is not a failure.
    expect([...states]).toEqual(['connected'])
    expect(room().state).toBe('connected')
    expect(room().reconnects).toBe(reconnectsBefore)
  })
})

describe('the RESTART_INTERVAL cron', () => {
  test('fires on schedule and the room stays connected through each restart', async () => {
    const sim = await startBilibiliSim({ roomId: 30000001 })
    const app = await startTestApp({
      ROOMS: '30000001', BILIBILI_API_BASE: sim.apiBase, BILIBILI_LIVE_API_BASE: sim.liveApiBase, BILIBILI_WS_URL: sim.wsUrl,
      RESTART_INTERVAL: '* * * * * *', RESTART_WAIT: '200',
    })
    try {
      await waitFor(() => sim.stats.auths >= 3, 8000)
      await waitFor(() => app.rooms.list()[0]!.state === 'connected')
      expect(app.rooms.list()[0]!.reconnects).toBe(0)
    } finally {
      await app.stop()
      await sim.close()
    }
    // Most of the time is the in-memory PGlite starting, which a busy 2-core machine slows past 15 s.
  }, 30_000)
})
