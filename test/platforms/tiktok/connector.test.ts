import { afterEach, describe, expect, test } from 'bun:test'
import { roomOrigin } from '../../../src/events'
import { ConnectorError, type SessionEnd } from '../../../src/platforms/connector'
import { createTikTokConnector, type TikTokConnectorOptions } from '../../../src/platforms/tiktok'
import { chatMessage, giftMessage } from '../../sim/tiktok/messages'
import { SIM_COOKIE, startTikTokSim, type TikTokSim, type TikTokSimOptions } from '../../sim/tiktok/sim'
import { captureLogger, recordingHooks, until } from './helpers'

const ROOM = { platform: 'tiktok', key: 'sim_host' } as const
const ROOM_ID = '7270193599273683745'

let sim: TikTokSim | undefined
let abort: AbortController | undefined
afterEach(async () => {
  abort?.abort()
  await sim?.close()
  sim = undefined
})

function setup(simOpts: TikTokSimOptions = {}, connOpts: TikTokConnectorOptions = {}) {
  const s = startTikTokSim(simOpts)
  sim = s
  const connector = createTikTokConnector({
    webBase: s.webBase,
    webcastBase: s.webcastBase,
    signServer: s.signServer,
    signApiKey: 'sim-key',
    heartbeatIntervalMs: 30,
    offlineRecheckMs: 45_000,
    coinUsd: 0.01,
    ...connOpts,
  })
  const hooks = recordingHooks()
  const capture = captureLogger('debug')
  abort = new AbortController()
  // As the RoomSupervisor does: the session gets a logger already bound to its room.
  const run = (): Promise<SessionEnd> => connector.session(ROOM, hooks, abort!.signal, capture.log.child({ platform: ROOM.platform, room: ROOM.key }))
  return { sim: s, connector, hooks, run, lines: capture.lines }
}

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p
  } catch (err) {
    if (err instanceof ConnectorError) return err
    throw err
  }
  throw new Error('expected a ConnectorError')
}

describe('tiktok connector against the simulator', () => {
  test('connects, enters the room, heartbeats, acks and emits events; stream end → live-end + offline', async () => {
    const { sim, connector, hooks, run } = setup()
    const ended = run()
    await until(() => hooks.phases.includes('connected'))
    expect(hooks.phases).toEqual(['resolving', 'signing', 'connecting', 'connected'])
    expect(hooks.info).toMatchObject({ roomId: ROOM_ID, uid: '7000000000000000001', username: 'Sim Host', live: true, title: 'Sim live' })
    await until(() => sim.stats.enterRoom === 1)
    expect(sim.stats.enterRoomIds).toEqual([ROOM_ID])
    expect(sim.stats.lastCookie).toBe(SIM_COOKIE)
    expect(sim.stats.lastUserAgent).toContain('Mozilla/5.0')
    expect(sim.stats.lastQuery?.get('wrss')).toBe('sim-wrss-signature')

    sim.pushChat('hello from the sim')
    sim.pushGift({ type: 2, coins: 100, name: 'LIVE Fest Clappers', giftId: 7934 })
    await until(() => hooks.events.length === 2)
    expect(hooks.events[0]).toMatchObject({ type: 'message', message: 'hello from the sim', platform: 'tiktok', room: 'sim_host', origin: roomOrigin('tiktok', 'sim_host'), username: 'Viewer One' })
    expect(hooks.events[1]).toMatchObject({ type: 'gift', giftName: 'LIVE Fest Clappers', price: 100, priceOriginal: 1, currencyOriginal: 'USD', priceNormalized: 7.1, currency: 'CNY', coinType: 'gold' })

    // Every msg frame asked for an ack: logId echoed, payload = the result's internalExt.
    await until(() => sim.stats.acks === 2)
    expect(sim.stats.ackLog.map((a) => a.payload)).toEqual(['sim-ext-1', 'sim-ext-2'])
    expect(Number(sim.stats.ackLog[0]!.logId)).toBeGreaterThan(1000)
    await until(() => sim.stats.heartbeats >= 2)
    expect(sim.stats.heartbeatSeqs.slice(0, 2)).toEqual(['1', '2'])
    expect(hooks.aliveCount).toBeGreaterThanOrEqual(3)
    expect(connector.transport.acksSent).toBe(2)

    sim.endStream()
    const end = await ended
    expect(end).toEqual({ kind: 'offline', recheckMs: 45_000 })
    expect(hooks.events.at(-1)).toMatchObject({ type: 'live-end', room: 'sim_host', message: 'LIVE ended' })
    expect(hooks.info.live).toBe(false)
  })

  test('a gift streak over the socket is emitted once with its total', async () => {
    const { sim, hooks, run } = setup()
    void run()
    await until(() => sim.stats.enterRoom === 1)
    for (const rc of [1, 2, 3]) sim.pushGift({ repeatCount: rc, groupId: '1701792311393', coins: 1 })
    sim.pushGift({ repeatCount: 3, repeatEnd: true, groupId: '1701792311393', coins: 1 })
    sim.pushChat('after the streak')
    await until(() => hooks.events.some((e) => e.type === 'message'))
    const gifts = hooks.events.filter((e) => e.type === 'gift')
    expect(gifts).toHaveLength(1)
    expect(gifts[0]).toMatchObject({ giftAmount: 3, price: 3, giftName: 'Rose' })
  })

  test('the signer batch is emitted before the socket opens', async () => {
    const { sim, hooks, run } = setup({ initialMessages: [chatMessage(ROOM_ID, 'from the fetch'), giftMessage({ roomId: ROOM_ID, type: 2, coins: 5 })] })
    void run()
    await until(() => sim.stats.enterRoom === 1)
    expect(hooks.events.map((e) => e.type)).toEqual(['message', 'gift'])
    expect(hooks.events[0]).toMatchObject({ message: 'from the fetch' })
  })

  test('an offline user resolves {kind: offline} without signing', async () => {
    const { sim, hooks, run } = setup({ users: { sim_host: { roomId: ROOM_ID, live: false } } })
    expect(await run()).toEqual({ kind: 'offline', recheckMs: 45_000 })
    expect(sim.stats.signRequests).toBe(0)
    expect(hooks.info.live).toBe(false)
    expect(hooks.phases).toEqual(['resolving'])
  })

  test('a 429 from the signer is RATE_LIMITED with the retry-after value', async () => {
    const { sim, run } = setup()
    sim.rateLimitNextSign(17)
    const err = await rejection(run())
    expect(err.code).toBe('RATE_LIMITED')
    expect(err.retryAfterMs).toBe(17_000)
    expect(sim.stats.connections).toBe(0)
  })

  test('a refused handshake is DEVICE_BLOCKED, logged clearly', async () => {
    const { sim, run, lines } = setup()
    sim.refuseNextHandshake('DEVICE_BLOCKED', '415')
    const err = await rejection(run())
    expect(err.code).toBe('DEVICE_BLOCKED')
    expect(err.message).toContain('DEVICE_BLOCKED')
    const line = lines().find((l) => l.handshakeMsg === 'DEVICE_BLOCKED')
    expect(line).toMatchObject({ level: 50, handshakeStatus: '415', platform: 'tiktok', room: 'sim_host' })
  })

  test('an unknown user is NOT_FOUND', async () => {
    const { run } = setup({ users: { someone_else: { roomId: '1', live: true } } })
    expect((await rejection(run())).code).toBe('NOT_FOUND')
  })

  test('the server closing the socket ends the session as closed', async () => {
    const { sim, run } = setup()
    const ended = run()
    await until(() => sim.stats.enterRoom === 1)
    sim.dropConnections(1001)
    const end = await ended
    expect(end.kind).toBe('closed')
    expect(end.kind === 'closed' && end.reason).toContain('1001')
  })

  test('abort stops the session promptly and closes the socket', async () => {
    const { sim, run } = setup()
    const ended = run()
    await until(() => sim.stats.enterRoom === 1)
    abort!.abort()
    expect(await ended).toEqual({ kind: 'aborted' })
    await until(() => sim.stats.closes === 1)
    expect(sim.stats.connections).toBe(1)
  })

  test('garbage frames are counted and skipped; the session goes on', async () => {
    const { sim, connector, hooks, run } = setup()
    void run()
    await until(() => sim.stats.enterRoom === 1)
    sim.pushRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]))
    sim.pushChat('still alive')
    await until(() => hooks.events.length === 1)
    expect(connector.transport.badFrames).toBe(1)
    expect(hooks.events[0]).toMatchObject({ message: 'still alive' })
  })

  test('the host\'s own chat is userType 100; viewers are 0', async () => {
    const { sim, hooks, run } = setup()
    void run()
    await until(() => sim.stats.enterRoom === 1)
    sim.push([chatMessage(ROOM_ID, 'hi all', { id: '7000000000000000001', nickname: 'Sim Host', handle: 'sim_host' }), chatMessage(ROOM_ID, 'hi host')])
    await until(() => hooks.events.length === 2)
    expect(hooks.events.map((e) => (e as { userType?: number }).userType)).toEqual([100, 0])
  })

  test('results that do not ask for an ack get none', async () => {
    const { sim, hooks, run } = setup({ needAck: false })
    void run()
    await until(() => sim.stats.enterRoom === 1)
    sim.pushChat('no ack please')
    await until(() => hooks.events.length === 1)
    await until(() => sim.stats.heartbeats >= 1)
    expect(sim.stats.acks).toBe(0)
  })

  test('abort while resolving (a hanging fetch) resolves aborted', async () => {
    let calls = 0
    const hanging = ((_url: unknown, init?: RequestInit) => {
      calls++
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))
      })
    }) as unknown as typeof fetch
    const { hooks, run } = setup({}, { fetch: hanging })
    const ended = run()
    await until(() => calls === 1)
    abort!.abort()
    expect(await ended).toEqual({ kind: 'aborted' })
    expect(hooks.phases).toEqual(['resolving'])
  })

  test('another sign provider can be plugged in; an unusable push URL is PROTOCOL', async () => {
    const { create } = await import('@bufbuild/protobuf')
    const { ProtoMessageFetchResultSchema } = await import('../../../src/gen/tiktok/push_pb')
    const seen: string[] = []
    const { sim, run } = setup({}, {
      signProvider: {
        name: 'test',
        async signConnect(req) {
          seen.push(req.roomId)
          return { fetchResult: create(ProtoMessageFetchResultSchema, { pushServer: 'not a url', cursor: 'c' }), cookieHeader: 'a=b' }
        },
      },
    })
    const err = await rejection(run())
    expect(err.code).toBe('PROTOCOL')
    expect(seen).toEqual([ROOM_ID])
    expect(sim.stats.signRequests).toBe(0)
  })

  test('a host that never answers is a NETWORK error after the request timeout', async () => {
    const silent = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Promise<Response>(() => {}) })
    try {
      const { run } = setup({}, { webBase: `http://127.0.0.1:${silent.port}`, requestTimeoutMs: 50 })
      const t0 = Date.now()
      const err = await rejection(run())
      expect(err.code).toBe('NETWORK')
      expect(Date.now() - t0).toBeLessThan(2000)
    } finally {
      await silent.stop(true)
    }
  })

  test('idle timeout is 40 s by default', () => {
    expect(createTikTokConnector().idleTimeoutMs).toBe(40_000)
  })
})
