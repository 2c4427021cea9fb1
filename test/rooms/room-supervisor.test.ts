import { describe, expect, test } from 'bun:test'
import { LocalEventBus } from '../../src/bus/event-bus'
import type { LefEvent, RoomKey } from '../../src/events'
import { ConnectorError, type Connector, type SessionEnd, type SessionHooks } from '../../src/platforms/connector'
import { backoffDelay } from '../../src/backoff'
import { RoomManager } from '../../src/rooms/room-manager'
import { RoomSupervisor } from '../../src/rooms/room-supervisor'
import { silentLog } from '../support/app'
import { messageEvent } from '../support/events'
import { waitFor } from '../support/wait-for'

type Script = (hooks: SessionHooks, signal: AbortSignal, n: number) => Promise<SessionEnd>

/** A connector whose sessions follow a script; it records when each session started. */
function scriptedConnector(script: Script, idleTimeoutMs = 10_000) {
  const starts: number[] = []
  const connector: Connector & { starts: number[] } = {
    platform: 'bilibili',
    idleTimeoutMs,
    starts,
    session: (_room: RoomKey, hooks, signal) => {
      starts.push(Date.now())
      return script(hooks, signal, starts.length)
    },
  }
  return connector
}

const untilAborted = (signal: AbortSignal) =>
  new Promise<SessionEnd>((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true }))

const room: RoomKey = { platform: 'bilibili', key: '25034104' }

describe('backoffDelay', () => {
  test('doubles from base up to the cap, with jitter between half and all of the step', () => {
    expect(backoffDelay(0, 2000, 60_000, () => 0)).toBe(1000)
    expect(backoffDelay(0, 2000, 60_000, () => 1)).toBe(2000)
    expect(backoffDelay(3, 2000, 60_000, () => 1)).toBe(16_000)
    expect(backoffDelay(10, 2000, 60_000, () => 1)).toBe(60_000)
    expect(backoffDelay(10, 2000, 60_000, () => 0)).toBe(30_000)
    expect(backoffDelay(1000, 2000, 60_000, () => 0.5)).toBe(45_000)
  })
})

describe('RoomSupervisor', () => {
  test('publishes emitted events and reports phases and room info', async () => {
    const bus = new LocalEventBus()
    const got: LefEvent[] = []
    bus.subscribe((e) => got.push(e))
    const connector = scriptedConnector(async (hooks, signal) => {
      hooks.update({ phase: 'resolving', info: { roomId: '25034104', uid: '2132180406', username: '明前奶绿', live: true } })
      hooks.update({ phase: 'connected' })
      hooks.emit(messageEvent(1))
      hooks.emit(messageEvent(2))
      return untilAborted(signal)
    })
    const s = new RoomSupervisor({ room, connector, bus, log: silentLog, restartWaitMs: 10 })
    s.start()
    await waitFor(() => got.length === 2)
    expect(got.map((e) => e.id)).toEqual(['msg-1', 'msg-2'])
    expect(s.status).toMatchObject({ state: 'connected', events: 2, reconnects: 0, info: { username: '明前奶绿', uid: '2132180406' } })
    expect(s.status.connectedAt).toBeNumber()
    await s.stop()
    expect(s.status.state).toBe('stopped')
  })

  test('failures back off exponentially, record the error, and honour retry-after', async () => {
    const connector = scriptedConnector(async (_h, _s, n) => {
      if (n === 3) throw new ConnectorError('RATE_LIMITED', 'signer said 429', 1000)
      throw new ConnectorError('NETWORK', `connect refused #${n}`)
    })
    const s = new RoomSupervisor({ room, connector, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 100, random: () => 1 })
    s.start()
    await waitFor(() => connector.starts.length >= 5, 6000)
    await s.stop()
    const gaps = connector.starts.slice(1).map((t, i) => t - connector.starts[i]!)
    // 100, 200, then the 1000 ms retry-after (over the 400 step), then 800 (attempt 3).
    expect(gaps[0]).toBeGreaterThanOrEqual(98)
    expect(gaps[0]).toBeLessThan(180)
    expect(gaps[1]).toBeGreaterThanOrEqual(198)
    expect(gaps[1]).toBeLessThan(300)
    expect(gaps[2]).toBeGreaterThanOrEqual(998)
    expect(gaps[3]).toBeGreaterThanOrEqual(798)
    expect(gaps[3]).toBeLessThan(950)
    expect(s.status.reconnects).toBeGreaterThanOrEqual(4)
    expect(s.status.lastError).toMatchObject({ code: 'NETWORK' })
  })

  test('an offline room is checked again calmly, not counted as reconnects', async () => {
    const connector = scriptedConnector(async () => ({ kind: 'offline', recheckMs: 100 }))
    const s = new RoomSupervisor({ room, connector, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 1 })
    s.start()
    await Bun.sleep(350)
    await s.stop()
    expect(connector.starts.length).toBeGreaterThanOrEqual(3)
    expect(connector.starts.length).toBeLessThanOrEqual(5)
    expect(s.status.reconnects).toBe(0)
  })

  test('the idle watchdog aborts a session that has gone quiet and reconnects', async () => {
    const connector = scriptedConnector(async (hooks, signal) => {
      hooks.update({ phase: 'connected' })
      return untilAborted(signal) // never calls alive()
    }, 150)
    const s = new RoomSupervisor({ room, connector, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 10, random: () => 0 })
    s.start()
    await waitFor(() => connector.starts.length >= 2, 2000)
    await s.stop()
    const gap = connector.starts[1]! - connector.starts[0]!
    expect(gap).toBeGreaterThanOrEqual(150)
    expect(gap).toBeLessThan(600)
  })

  test('frames keep the watchdog quiet', async () => {
    const connector = scriptedConnector(async (hooks, signal) => {
      const t = setInterval(() => hooks.alive(), 30)
      const end = await untilAborted(signal)
      clearInterval(t)
      return end
    }, 150)
    const s = new RoomSupervisor({ room, connector, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 10 })
    s.start()
    await Bun.sleep(500)
    await s.stop()
    expect(connector.starts).toHaveLength(1)
  })

  test('a planned restart is make-before-break: the old session closes only once the new one receives', async () => {
    const bus = new LocalEventBus()
    const got: string[] = []
    bus.subscribe((e) => got.push(e.id))
    const sessions: Array<{ hooks: SessionHooks; signal: AbortSignal; abortedAt?: number }> = []
    const connector = scriptedConnector(async (hooks, signal, n) => {
      const me: (typeof sessions)[number] = { hooks, signal }
      sessions.push(me)
      signal.addEventListener('abort', () => (me.abortedAt = Date.now()), { once: true })
      // The second session takes a while to authenticate, then its first frame arrives later still.
      if (n === 2) await Bun.sleep(150)
      hooks.update({ phase: 'connected' })
      if (n === 2) await Bun.sleep(100)
      hooks.alive()
      return untilAborted(signal)
    })
    const s = new RoomSupervisor({ room, connector, bus, log: silentLog, restartWaitMs: 5000 })
    s.start()
    await waitFor(() => s.status.state === 'connected')
    const t0 = Date.now()
    s.restart()
    await waitFor(() => sessions.length === 2)
    // The new session starts at once (no RESTART_WAIT pause) while the old one stays open.
    expect(connector.starts[1]! - t0).toBeLessThan(100)
    await Bun.sleep(120)
    expect(sessions[0]!.signal.aborted).toBe(false)
    // Both receive the same gift during the overlap: it is published once.
    sessions[0]!.hooks.emit(messageEvent(1))
    sessions[1]!.hooks.emit(messageEvent(1))
    sessions[1]!.hooks.emit(messageEvent(2))
    sessions[0]!.hooks.emit(messageEvent(2))
    await waitFor(() => sessions[0]!.signal.aborted)
    expect(sessions[0]!.abortedAt! - t0).toBeGreaterThanOrEqual(240)
    expect(sessions[1]!.signal.aborted).toBe(false)
    // A gift the old session decoded on its way out: still published, and still once.
    sessions[0]!.hooks.emit(messageEvent(3))
    sessions[1]!.hooks.emit(messageEvent(3))
    expect(got).toEqual(['msg-1', 'msg-2', 'msg-3'])
    expect(s.duplicatesSkipped).toBe(3)
    expect(s.status).toMatchObject({ state: 'connected', reconnects: 0 })
    await s.stop()
    expect(sessions[1]!.signal.aborted).toBe(true)
  })

  test('a planned restart whose new session fails keeps the old one', async () => {
    const sessions: AbortSignal[] = []
    const connector = scriptedConnector(async (hooks, signal, n) => {
      sessions.push(signal)
      if (n === 2) throw new ConnectorError('NETWORK', 'connect refused')
      hooks.update({ phase: 'connected' })
      hooks.alive()
      return untilAborted(signal)
    })
    const s = new RoomSupervisor({ room, connector, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 10 })
    s.start()
    await waitFor(() => s.status.state === 'connected')
    s.restart()
    await waitFor(() => sessions.length === 2)
    await Bun.sleep(50)
    expect(sessions[0]!.aborted).toBe(false)
    expect(s.status).toMatchObject({ state: 'connected', reconnects: 0 })
    await s.stop()
  })

  test('when the old session ends while its replacement is still starting, the replacement carries on without a backoff', async () => {
    const sessions: Array<{ hooks: SessionHooks; signal: AbortSignal; close?: () => void }> = []
    const connector = scriptedConnector(async (hooks, signal, n) => {
      const me: (typeof sessions)[number] = { hooks, signal }
      sessions.push(me)
      if (n === 2) await Bun.sleep(100)
      hooks.update({ phase: 'connected' })
      hooks.alive()
      return new Promise<SessionEnd>((resolve) => {
        me.close = () => resolve({ kind: 'closed', reason: 'upstream closed' })
        signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true })
      })
    })
    const s = new RoomSupervisor({ room, connector, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 5000 })
    s.start()
    await waitFor(() => s.status.state === 'connected')
    s.restart()
    await waitFor(() => sessions.length === 2)
    sessions[0]!.close!()
    await waitFor(() => s.status.state === 'connected' && sessions[1]!.close !== undefined)
    await Bun.sleep(50)
    expect(connector.starts).toHaveLength(2)
    expect(sessions[1]!.signal.aborted).toBe(false)
    expect(s.status.reconnects).toBe(0)
    await s.stop()
  })

  test('a session that ignores its abort is abandoned after the grace period; stop() returns', async () => {
    const connector = scriptedConnector(() => new Promise<SessionEnd>(() => {}))
    const s = new RoomSupervisor({ room, connector, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 10, abortGraceMs: 100 })
    s.start()
    await Bun.sleep(20)
    const t0 = Date.now()
    await s.stop()
    expect(Date.now() - t0).toBeLessThan(500)
    expect(s.status.state).toBe('stopped')
  })

  test('events a session emits after its abort, or even after it ended, are still published', async () => {
    const bus = new LocalEventBus()
    const got: string[] = []
    bus.subscribe((e) => got.push(e.id))
    let lateHooks: SessionHooks | undefined
    const connector = scriptedConnector(async (hooks, signal) => {
      lateHooks = hooks
      await untilAborted(signal)
      // A gift queued before the abort is handled after it, as a connector's queue does.
      await Bun.sleep(5)
      hooks.emit(messageEvent(7))
      return { kind: 'aborted' }
    })
    const s = new RoomSupervisor({ room, connector, bus, log: silentLog, restartWaitMs: 10 })
    s.start()
    await waitFor(() => lateHooks !== undefined)
    await s.stop()
    expect(got).toEqual(['msg-7'])
    // A connector that still hands over a decoded event after its session ended: never dropped.
    lateHooks!.emit(messageEvent(8))
    expect(got).toEqual(['msg-7', 'msg-8'])
  })

  test('one room failing does not touch another', async () => {
    const bus = new LocalEventBus()
    const got: string[] = []
    bus.subscribe((e) => got.push(e.id))
    const bad = scriptedConnector(async () => {
      throw new Error('boom')
    })
    const good = scriptedConnector(async (hooks, signal) => {
      hooks.emit(messageEvent(7))
      return untilAborted(signal)
    })
    const a = new RoomSupervisor({ room, connector: bad, bus, log: silentLog, restartWaitMs: 5 })
    const b = new RoomSupervisor({ room: { platform: 'bilibili', key: '1' }, connector: good, bus, log: silentLog, restartWaitMs: 5 })
    a.start()
    b.start()
    await Bun.sleep(100)
    expect(got).toEqual(['msg-7'])
    expect(a.status.lastError).toMatchObject({ code: 'UNKNOWN', message: 'boom' })
    expect(b.status.lastError).toBeNull()
    await Promise.all([a.stop(), b.stop()])
  })
})

describe('RoomManager', () => {
  test('the RESTART_INTERVAL cron restarts every room', async () => {
    const connector = scriptedConnector(async (hooks, signal) => {
      hooks.update({ phase: 'connected' })
      hooks.alive()
      return untilAborted(signal)
    })
    const m = new RoomManager({ connectors: { bilibili: connector }, bus: new LocalEventBus(), log: silentLog, restartWaitMs: 50, restartCron: '* * * * * *', restartSpreadMs: 10 })
    m.start([room, { platform: 'bilibili', key: '2' }])
    expect(m.list().map((r) => r.key)).toEqual(['25034104', '2'])
    await waitFor(() => connector.starts.length >= 4, 3500)
    await m.stop()
    expect(m.list().every((r) => r.state === 'stopped')).toBe(true)
  })
})
