import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import pino from 'pino'
import { DEFAULT_REDIS_CHANNEL } from '../../src/bus/redis-bus'
import { startApp, type App } from '../../src/app'
import { parseEnv } from '../../src/config'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'
import { HOOK_TIMEOUT_MS, BridgeTestClient, SseTestClient, bridgeUrl, upload, waitFor } from './clients'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const UPLOAD_KEY = 'upload-key-5'
const AUTH = ['laplace-event-bridge-role-client', 'bridge-secret-5']
const PING_KEY = 'ping-key-5'
const NODE_ENV = { WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: 'bridge-secret-5', UPLOAD_KEY }

/** A room number no other run shares, so concurrent runs on the same Redis never mix. */
const uniqueRoom = () => String(900_000_000 + Math.floor(Math.random() * 90_000_000))

describe('two nodes behind one Redis and one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let a: App
  let b: App

  beforeAll(async () => {
    db = await createTestDatabase()
    a = await startTestApp({ ...NODE_ENV, DATABASE_URL: db.url, REDIS_URL })
    b = await startTestApp({ ...NODE_ENV, DATABASE_URL: db.url, REDIS_URL })
    await waitFor('redis connected', () => a.redisBus?.stats.connected && b.redisBus?.stats.connected, 15_000)
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await a.stop()
    await b.stop()
    await db.drop()
  }, HOOK_TIMEOUT_MS)

  test('an event uploaded to node A reaches node B\'s bridge and SSE clients, stored once', async () => {
    const room = uniqueRoom()
    const onB = new BridgeTestClient(bridgeUrl(b, { rooms: room }), AUTH)
    const sseOnB = new SseTestClient(`${b.url}/sse?rooms=${room}`)
    const onA = new BridgeTestClient(bridgeUrl(a, { rooms: room }), AUTH)
    await Promise.all([onB.opened(), onA.opened()])
    await waitFor('clients', () => b.sse.clientCount === 1 && b.bridge?.clientCount === 1 && a.bridge?.clientCount === 1)

    await upload(a, UPLOAD_KEY, [giftEvent(1, { id: `redis-up-${room}`, room, origin: Number(room) })])
    await waitFor('B bridge', () => onB.events().length === 1)
    await waitFor('B sse', () => sseOnB.ids().length === 1)
    expect(onB.events()[0]).toMatchObject({ id: `redis-up-${room}`, giftName: '小花花', price: 2000, room })
    expect(sseOnB.events()[0]?.event).toBe('gift')
    expect(JSON.parse(sseOnB.events()[0]?.data ?? '{}').uid).toBe(1001)

    // Live events of node A (as a connector publishes them): B delivers them without writing them.
    for (let i = 0; i < 20; i++) a.bus.publish(messageEvent(i, { id: `redis-live-${room}-${i}`, room, origin: Number(room) }))
    await waitFor('B got live', () => onB.events().length === 21 && sseOnB.ids().length === 21)
    await waitFor('A got its own once', () => onA.events().length === 21)
    await Bun.sleep(100)
    expect(onA.events()).toHaveLength(21)
    expect(onB.events().map((e) => e.id)).toEqual([`redis-up-${room}`, ...Array.from({ length: 20 }, (_, i) => `redis-live-${room}-${i}`)])
    expect(sseOnB.ids()).toEqual(onB.events().map((e) => e.id))

    await a.writer.flush()
    await b.writer.flush()
    expect(a.writer.stats.written).toBe(20)
    expect(b.writer.stats.written).toBe(0)
    const stored = await b.store.after(0n, { rooms: [{ platform: 'bilibili', room }] }, 100)
    expect(stored).toHaveLength(21)
    expect(b.redisBus?.stats.relayedIn).toBeGreaterThanOrEqual(21)

    // Garbage on the channel is counted and skipped; delivery goes on.
    const raw = new Redis(REDIS_URL)
    const malformedBefore = b.redisBus?.stats.malformed ?? 0
    await raw.publish(DEFAULT_REDIS_CHANNEL, 'not json{')
    await raw.publish(DEFAULT_REDIS_CHANNEL, JSON.stringify({ node: 'x', event: { id: 5 } }))
    await raw.quit()
    a.bus.publish(messageEvent(99, { id: `redis-after-garbage-${room}`, room, origin: Number(room) }), { stored: true })
    await waitFor('event after garbage', () => onB.events().length === 22)
    expect((b.redisBus?.stats.malformed ?? 0) - malformedBefore).toBe(2)

    const ping = (await (await fetch(`${b.url}/ping`)).json()) as { data: { status: string } }
    expect(ping.data.status).toBe('healthy')
    onA.close()
    onB.close()
    sseOnB.close()
  })
})

describe('Redis going away', () => {
  let proxy: TcpProxy
  let c: App
  let d: App
  const lines: Array<{ level: number; msg: string }> = []

  beforeAll(async () => {
    proxy = startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379))
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line))
        done()
      },
    })
    const log = pino({ level: 'info' }, sink)
    const config = parseEnv({
      ...NODE_ENV, PORT: '0', HOST: '127.0.0.1', ROOMS: '', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`, AUTH_KEY: PING_KEY,
    })
    c = await startApp(config, { inMemoryDatabase: true, log })
    d = await startTestApp({ ...NODE_ENV, REDIS_URL })
    await waitFor('redis connected', () => c.redisBus?.stats.connected && d.redisBus?.stats.connected, 15_000)
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    await c.stop()
    await d.stop()
    proxy.close()
  }, HOOK_TIMEOUT_MS)

  test('degrades to local delivery, logs once, recovers when Redis is back', async () => {
    const room = uniqueRoom()
    const onC = new BridgeTestClient(bridgeUrl(c, { rooms: room }), AUTH)
    const onD = new BridgeTestClient(bridgeUrl(d, { rooms: room }), AUTH)
    await Promise.all([onC.opened(), onD.opened()])
    await waitFor('clients', () => c.bridge?.clientCount === 1 && d.bridge?.clientCount === 1)
    const ev = (n: number) => messageEvent(n, { id: `cut-${room}-${n}`, room, origin: Number(room) })

    c.bus.publish(ev(0), { stored: true })
    await waitFor('relayed before the cut', () => onD.events().length === 1)

    proxy.down()
    await waitFor('C notices', () => c.redisBus?.stats.connected === false)
    for (let n = 1; n <= 5; n++) c.bus.publish(ev(n), { stored: true })
    await waitFor('C still delivers locally', () => onC.events().length === 6)
    // Only Redis is down: the node still stores and serves its events, so /ping stays 200 (degraded).
    const ping = await fetch(`${c.url}/ping`)
    expect(ping.status).toBe(200)
    expect(await ping.json()).toEqual({ success: true, status: 200, data: { message: 'pong', status: 'degraded' } })
    const detailed = (await (await fetch(`${c.url}/ping`, { headers: { authorization: `Bearer ${PING_KEY}` } })).json()) as { data: { redis: string; database: string } }
    expect(detailed.data).toMatchObject({ status: 'degraded', database: 'pglite' })
    expect(detailed.data.redis).toStartWith('unreachable: ')
    console.log(`redis cut: /ping ${ping.status} degraded; ${c.redisBus?.stats.unrelayed} events not relayed, ${onC.events().length} delivered locally`)
    await Bun.sleep(300)
    expect(onD.events()).toHaveLength(1)
    expect(c.redisBus?.stats.unrelayed).toBe(5)

    proxy.up()
    await waitFor('C reconnects', () => c.redisBus?.stats.connected === true, 15_000)
    c.bus.publish(ev(6), { stored: true })
    await waitFor('relayed after recovery', () => onD.events().length === 2)
    expect(onD.events().map((e) => e.id)).toEqual([`cut-${room}-0`, `cut-${room}-6`])
    expect(((await (await fetch(`${c.url}/ping`)).json()) as { data: { status: string } }).data.status).toBe('healthy')

    const down = lines.filter((l) => l.msg.startsWith('Redis unavailable'))
    const back = lines.filter((l) => l.msg.startsWith('Redis is back'))
    expect(down).toHaveLength(1)
    expect(down[0]?.level).toBe(40)
    expect(back).toHaveLength(1)
    onC.close()
    onD.close()
  }, 30_000)
})
