import { afterEach, describe, expect, test } from 'bun:test'
import type { Toast } from '@laplace.live/event-types'
import pino from 'pino'
import { LocalEventBus } from '../../../src/bus/event-bus'
import type { LefEvent } from '../../../src/events'
import { createBilibiliConnector } from '../../../src/platforms/bilibili/connector'
import { RoomSupervisor } from '../../../src/rooms/room-supervisor'
import { readFixtureJson } from '../../fixtures'
import { type BilibiliSim, startBilibiliSim } from '../../sim/bilibili/sim'
import { waitFor } from './session-harness'

let sim: BilibiliSim | undefined
let supervisor: RoomSupervisor | undefined
afterEach(async () => {
  await supervisor?.stop()
  await sim?.close()
  supervisor = undefined
  sim = undefined
})

describe('bilibili connector under the shared RoomSupervisor', () => {
  test('events reach the bus; a server drop reconnects; the room status has the resolved ids', async () => {
    sim = await startBilibiliSim({ roomId: 21452505, shortId: 456, anchorName: 'sim anchor' })
    const connector = createBilibiliConnector({ apiBase: sim.apiBase, liveApiBase: sim.liveApiBase, wsUrl: sim.wsUrl, heartbeatIntervalMs: 50 })
    const bus = new LocalEventBus()
    const seen: LefEvent[] = []
    bus.subscribe((e) => seen.push(e))
    supervisor = new RoomSupervisor({ room: { platform: 'bilibili', key: '456' }, connector, bus, log: pino({ level: 'silent' }), restartWaitMs: 20 })
    supervisor.start()

    await waitFor(() => supervisor!.status.state === 'connected', 3000, 'connected')
    expect(supervisor.status.info).toMatchObject({ roomId: '21452505', shortRoomId: 456, username: 'sim anchor', live: true })
    sim.send(readFixtureJson('bilibili', 'blive-message-listener', 'USER_TOAST_MSG', 'guard_jianzhang_renew.json'))
    await waitFor(() => seen.length === 1)
    expect((seen[0] as Toast).priceNormalized).toBe(138)

    sim.drop()
    await waitFor(() => sim!.stats.auths === 2 && supervisor!.status.state === 'connected', 3000, 'reconnected')
    expect(supervisor.status.reconnects).toBe(1)
    sim.send(readFixtureJson('bilibili', 'blive-message-listener', 'SUPER_CHAT_MESSAGE', 'normal.json'))
    await waitFor(() => seen.length === 2)
    expect(seen.map((e) => e.type)).toEqual(['toast', 'superchat'])
    expect(seen.every((e) => e.room === '21452505')).toBe(true)

    // planned restart (RESTART_INTERVAL) closes and re-authenticates
    supervisor.restart()
    await waitFor(() => sim!.stats.auths === 3 && supervisor!.status.state === 'connected', 3000, 'restarted')
  })
})
