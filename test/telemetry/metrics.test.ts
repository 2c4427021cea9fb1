import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { LocalEventBus } from '../../src/bus/event-bus'
import type { FanoutStats } from '../../src/fanout/fanout-hub'
import type { RoomKey } from '../../src/events'
import { ConnectorError, type Connector, type SessionEnd } from '../../src/platforms/connector'
import { RoomManager } from '../../src/rooms/room-manager'
import type { WriterStats } from '../../src/store/event-writer'
import type { App } from '../../src/app'
import { flattenStats } from '../../src/telemetry/metrics/flatten-stats'
import { createMetrics } from '../../src/telemetry/metrics'
import { silentLog, startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { waitFor } from '../support/wait-for'

/** Parse Prometheus text into `name{labels} → value` (labels in the order prom-client writes them). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

const fanout = (over: Partial<FanoutStats> = {}): FanoutStats => ({
  clients: 0, opened: 0, cutOffs: 0, budgetCuts: 0, backlog: 0, resumes: 0, replayed: 0, unknownResumeIds: 0, replayFailures: 0, delivered: 0, ...over,
})

describe('flattenStats', () => {
  test('numbers, nested objects, Maps and keyed records', () => {
    const douyinLike = { frames: 12, frameErrors: 1, messages: { byMethod: { WebcastChatMessage: 9, WebcastGiftMessage: 3 }, unknownMethods: {} } }
    expect(flattenStats(douyinLike, 'stats')).toEqual([
      { stat: 'stats.frames', key: '', value: 12 },
      { stat: 'stats.frameErrors', key: '', value: 1 },
      { stat: 'stats.messages.byMethod', key: 'WebcastChatMessage', value: 9 },
      { stat: 'stats.messages.byMethod', key: 'WebcastGiftMessage', value: 3 },
    ])
    const bilibiliLike = { messages: 5, badFrames: 0, unknownCmds: new Map([['NEW_CMD', 2]]), failing: true }
    expect(flattenStats(bilibiliLike, 'counters')).toEqual([
      { stat: 'counters.messages', key: '', value: 5 },
      { stat: 'counters.badFrames', key: '', value: 0 },
      { stat: 'counters.unknownCmds', key: 'NEW_CMD', value: 2 },
    ])
  })
})

describe('metrics registry, parts wired by hand', () => {
  test('room state, reconnects, events, connector counters, clients, writer stats and batch latency', async () => {
    const bus = new LocalEventBus()
    const failingRoom: RoomKey = { platform: 'douyin', key: '646454278948' }
    const liveRoom: RoomKey = { platform: 'bilibili', key: '25034104' }
    const connector = (platform: 'bilibili' | 'douyin'): Connector & { stats: object } => ({
      platform,
      idleTimeoutMs: 60_000,
      stats: { frames: 41, messages: { byMethod: { WebcastGiftMessage: 7 } } },
      session: async (room, hooks, signal): Promise<SessionEnd> => {
        if (room.platform === 'douyin') throw new ConnectorError('DEVICE_BLOCKED', 'handshake refused (DEVICE_BLOCKED)')
        hooks.update({ phase: 'connected', info: { live: true } })
        hooks.emit(giftEvent(1))
        hooks.emit(messageEvent(2))
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true }))
      },
    })
    const connectors = { bilibili: connector('bilibili'), douyin: connector('douyin') }
    const rooms = new RoomManager({ connectors, bus, log: silentLog, restartWaitMs: 100, restartCron: null })
    const writerStats: WriterStats = { written: 10, duplicates: 2, buffered: 7, failures: 3, dropped: 1, rejected: 0, batches: 4, lastBatchMs: 5, failing: true }
    const metrics = createMetrics({ version: '9.9.9' })
    metrics.watch({
      bus, rooms, connectors, writer: { stats: writerStats }, store: { copyConflicts: 2 },
      sse: { stats: fanout({ clients: 2, cutOffs: 1, delivered: 30 }) },
      bridge: { stats: { ...fanout({ clients: 5, opened: 9 }), producers: 1, produced: 0, producerRejects: 4, badClientMessages: 0, authFailures: 6 } },
    })
    rooms.start([liveRoom, failingRoom])
    try {
      await waitFor(() => rooms.list().every((r) => r.reconnects > 0 || r.state === 'connected'))
      metrics.observeBatch(0.004, 'ok', 250)
      metrics.observeBatch(2, 'error', 250)
      const m = samples(await metrics.registry.metrics())

      expect(m.get('lef_info{version="9.9.9"}')).toBe(1)
      expect(m.get('lef_room_state{platform="bilibili",room="25034104",state="connected"}')).toBe(1)
      expect(m.get('lef_room_state{platform="bilibili",room="25034104",state="backoff"}')).toBe(0)
      expect(m.get('lef_room_live{platform="bilibili",room="25034104"}')).toBe(1)
      expect(m.get('lef_room_events_total{platform="bilibili",room="25034104"}')).toBe(2)
      expect(m.get('lef_room_state{platform="douyin",room="646454278948",state="connected"}')).toBe(0)
      expect(m.get('lef_room_reconnects_total{platform="douyin",room="646454278948"}')).toBeGreaterThanOrEqual(1)
      expect(m.get('lef_events_total{platform="bilibili",type="gift",source="live"}')).toBe(1)
      expect(m.get('lef_events_total{platform="bilibili",type="message",source="live"}')).toBe(1)
      expect(m.get('lef_connector_stat_total{platform="douyin",stat="stats.frames",key=""}')).toBe(41)
      expect(m.get('lef_connector_stat_total{platform="douyin",stat="stats.messages.byMethod",key="WebcastGiftMessage"}')).toBe(7)
      expect(m.get('lef_clients{transport="sse"}')).toBe(2)
      expect(m.get('lef_clients{transport="bridge"}')).toBe(5)
      expect(m.get('lef_clients_cut_off_total{transport="sse"}')).toBe(1)
      expect(m.get('lef_bridge_rejected_total{reason="auth"}')).toBe(6)
      expect(m.get('lef_writer_buffered_events')).toBe(7)
      expect(m.get('lef_writer_failing')).toBe(1)
      expect(m.get('lef_database_errors_total')).toBe(3)
      expect(m.get('lef_writer_copy_conflicts_total')).toBe(2)
      expect(m.get('lef_writer_rows_total{outcome="written"}')).toBe(10)
      expect(m.get('lef_writer_rows_total{outcome="dropped"}')).toBe(1)
      expect(m.get('lef_writer_batch_duration_seconds_count{outcome="ok"}')).toBe(1)
      expect(m.get('lef_writer_batch_duration_seconds_bucket{le="0.005",outcome="ok"}')).toBe(1)
      expect(m.get('lef_writer_batch_duration_seconds_bucket{le="1",outcome="error"}')).toBe(0)
      expect(m.get('lef_writer_batch_duration_seconds_bucket{le="2.5",outcome="error"}')).toBe(1)

      // A removed room disappears from the next scrape instead of keeping its last state.
      await rooms.remove(failingRoom)
      const after = samples(await metrics.registry.metrics())
      expect([...after.keys()].some((k) => k.includes('646454278948'))).toBe(false)
    } finally {
      metrics.close()
      await rooms.stop()
    }
  })

  test('a scrape reports heap totals without walking the heap (no per-space metrics, which cost Bun a heap walk)', async () => {
    const m = samples(await createMetrics({ version: '1' }).registry.metrics())
    expect([...m.keys()].some((k) => k.startsWith('nodejs_heap_space_size_'))).toBe(false)
    expect(m.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(0)
  })

  test('each app has its own registry', () => {
    const a = createMetrics({ version: '1' })
    const b = createMetrics({ version: '2' })
    expect(a.registry).not.toBe(b.registry)
  })
})

describe('GET /metrics on a running lef', () => {
  const AUTH = 'metrics-auth-key'
  const UPLOAD = 'metrics-upload-key'
  let app: App
  beforeAll(async () => {
    app = await startTestApp({ AUTH_KEY: AUTH, UPLOAD_KEY: UPLOAD, WEBSOCKET_BRIDGE: 'true' })
  })
  afterAll(async () => {
    await app.stop()
  })
  const scrape = async () => {
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${AUTH}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    return samples(await res.text())
  }

  test('AUTH_KEY guards it', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401)
  })

  test('counters move during an upload and live events; batch latency is observed; an SSE client shows up', async () => {
    const before = await scrape()
    expect(before.get('lef_events_total{platform="bilibili",type="gift",source="upload"}')).toBeUndefined()
    expect(before.get('lef_clients{transport="sse"}')).toBe(0)
    expect(before.get('lef_clients{transport="bridge"}')).toBe(0)

    const uploaded = Array.from({ length: 40 }, (_, i) => giftEvent(500 + i))
    const res = await fetch(`${app.url}/upload`, {
      method: 'POST', body: JSON.stringify(uploaded), headers: { authorization: `Bearer ${UPLOAD}`, 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    // Live events take the writer's path: batches, rows written and batch latency.
    for (let i = 0; i < 25; i++) app.bus.publish(messageEvent(900 + i))
    await app.writer.flush()

    const sse = new AbortController()
    const stream = await fetch(`${app.url}/sse?token=${AUTH}`, { signal: sse.signal })
    expect(stream.status).toBe(200)
    try {
      await waitFor(async () => (await scrape()).get('lef_clients{transport="sse"}') === 1)
      const after = await scrape()
      expect(after.get('lef_events_total{platform="bilibili",type="gift",source="upload"}')).toBe(40)
      expect(after.get('lef_events_total{platform="bilibili",type="message",source="live"}')).toBe(25)
      expect(after.get('lef_writer_rows_total{outcome="written"}')).toBe(25)
      expect(after.get('lef_writer_batches_total')).toBeGreaterThanOrEqual(1)
      expect(after.get('lef_writer_batch_duration_seconds_count{outcome="ok"}')).toBe(after.get('lef_writer_batches_total')!)
      expect(after.get('lef_writer_batch_rows_sum')).toBe(25)
      expect(after.get('lef_writer_buffered_events')).toBe(0)
      expect(after.get('lef_database_errors_total')).toBe(0)
      expect(after.get('lef_writer_copy_conflicts_total')).toBe(0)
      expect(after.get('lef_clients_opened_total{transport="sse"}')).toBe(1)
      // Process metrics come from this registry too.
      expect([...after.keys()].some((k) => k.startsWith('process_') || k.startsWith('nodejs_'))).toBe(true)
    } finally {
      sse.abort()
    }
  })
})
