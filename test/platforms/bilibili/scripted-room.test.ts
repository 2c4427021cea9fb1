import { afterEach, describe, expect, test } from 'bun:test'
import type { Toast } from '@laplace.live/event-types'
import { createBilibiliConnector } from '../../../src/platforms/bilibili/connector'
import { ScriptedRoom, startScriptedRoom } from '../../sim/bilibili/scripted-room'
import { type BilibiliSim, startBilibiliSim } from '../../sim/bilibili/sim'
import { makeNormalizer, ROOM_ID } from './normalize-helpers'
import { captureLog, recordHooks, waitFor } from './session-harness'

let sim: BilibiliSim | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

describe('scripted room traffic', () => {
  test('deterministic per seed, and every message normalises cleanly; guards count once', () => {
    const a = new ScriptedRoom({ roomId: ROOM_ID, seed: 7, now: () => 1_764_000_000_000 })
    const b = new ScriptedRoom({ roomId: ROOM_ID, seed: 7, now: () => 1_764_000_000_000 })
    expect(JSON.stringify(a.tick())).toBe(JSON.stringify(b.tick()))

    const room = new ScriptedRoom({ roomId: ROOM_ID, seed: 3, now: () => 1_764_000_000_000 })
    const { normalizer, counters } = makeNormalizer()
    let guardBuys = 0
    const types = new Map<string, number>()
    for (let i = 0; i < 400; i++) {
      const msgs = room.tick()
      guardBuys += msgs.filter((m) => m.cmd === 'GUARD_BUY').length
      for (const e of msgs.flatMap((m) => normalizer.fromCommand(m))) types.set(e.type, (types.get(e.type) ?? 0) + 1)
    }
    expect(counters.handlerErrors.size).toBe(0)
    expect(counters.unknownCmds.size).toBe(0)
    for (const t of ['message', 'gift', 'superchat', 'toast', 'interaction', 'watched-update']) expect(types.get(t) ?? 0).toBeGreaterThan(0)
    expect(guardBuys).toBeGreaterThan(0)
    expect(types.get('toast')).toBe(guardBuys)
  })

  test('paid events of rooms ticking in step never share an id (upstream ids are global)', () => {
    const now = () => 1_764_000_000_000
    const rooms = [ROOM_ID, ROOM_ID + 1, ROOM_ID + 2].map((roomId) => ({ room: new ScriptedRoom({ roomId, seed: 5, now }), ...makeNormalizer() }))
    const ids = new Map<string, number>()
    let paid = 0
    for (let i = 0; i < 300; i++) {
      for (const [n, r] of rooms.entries()) {
        for (const e of r.room.tick().flatMap((m) => r.normalizer.fromCommand(m))) {
          if (e.type !== 'gift' && e.type !== 'superchat' && e.type !== 'toast') continue
          paid++
          expect(ids.get(e.id) ?? n).toBe(n)
          ids.set(e.id, n)
        }
      }
    }
    expect(paid).toBeGreaterThan(300)
  })

  test('drives the connector end to end through the simulator', async () => {
    sim = await startBilibiliSim()
    const connector = createBilibiliConnector({ apiBase: sim.apiBase, liveApiBase: sim.liveApiBase, wsUrl: sim.wsUrl })
    const rec = recordHooks()
    const abort = new AbortController()
    const ended = connector.session({ platform: 'bilibili', key: String(sim.roomId) }, rec.hooks, abort.signal, captureLog().log)
    await waitFor(() => sim!.openSockets === 1)
    const traffic = startScriptedRoom(sim, { intervalMs: 5, seed: 11 })
    await waitFor(() => rec.events.filter((e) => e.type === 'toast').length >= 1, 5000, 'a guard toast')
    traffic.stop()
    const toasts = rec.events.filter((e) => e.type === 'toast') as Toast[]
    expect(toasts.every((t) => t.priceNormalized === 198 || t.priceNormalized === 138)).toBe(true)
    expect(connector.counters.handlerErrors.size).toBe(0)
    expect(connector.counters.events).toBe(rec.events.length)
    abort.abort()
    await ended
  })
})
