import { afterEach, describe, expect, test } from 'bun:test'
import { create, toBinary } from '@bufbuild/protobuf'
import { Writable } from 'node:stream'
import { PushFrameSchema } from '../../../src/gen/douyin/push_pb'
import { parseRoomKey } from '../../../src/events'
import { ConnectorError } from '../../../src/platforms/connector'
import { createDouyinConnector } from '../../../src/platforms/douyin'
import { createLogger } from '../../../src/telemetry/logger'
import { chatMessage, giftMessage, likeMessage, memberMessage, unknownMessage } from '../../sim/douyin/messages'
import { type DouyinSim, type DouyinSimOptions, startDouyinSim } from '../../sim/douyin/sim'
import { recordingHooks, silentLog } from './helpers'

let sim: DouyinSim | undefined
afterEach(async () => {
  await sim?.stop()
  sim = undefined
})

const FAN = { id: 4_200_000_001n, nickname: '观众甲', fansClubLevel: 5 }

function setup(simOpts: DouyinSimOptions = {}, connOpts: Parameters<typeof createDouyinConnector>[0] = {}) {
  const s = startDouyinSim(simOpts)
  sim = s
  const connector = createDouyinConnector({ webBase: s.webBase, wsUrl: s.wsUrl, heartbeatMs: 20, offlineRecheckMs: 1234, cookie: 'sessionid=test', ...connOpts })
  const room = parseRoomKey(`douyin:${s.webRid}`)
  return { sim: s, connector, room }
}

describe('douyin connector against the simulator', () => {
  test('resolve → sign → connect; events, heartbeats and acks flow', async () => {
    const { sim, connector, room } = setup()
    const rec = recordingHooks()
    const ac = new AbortController()
    const session = connector.session(room, rec.hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    await sim.waitFor(() => rec.phases.includes('connected'))
    expect(rec.phases).toEqual(['resolving', 'signing', 'connecting', 'connected'])
    expect(rec.infos[0]).toEqual({ roomId: sim.roomId, shortRoomId: 0, uid: '3789344204128560', username: '测试主播', live: true, title: '模拟直播间' })

    const conn = sim.stats.connections[0]!
    expect(conn.query.room_id).toBe(sim.roomId)
    expect(conn.query.user_unique_id).toMatch(/^7\d{18}$/)
    expect(conn.query.cursor).toBeUndefined()
    expect(sim.stats.badSignatures).toBe(0)
    expect(conn.cookie).toBe(`sessionid=test; ttwid=${sim.ttwid}`)
    expect(conn.userAgent).toStartWith('Mozilla/5.0')

    const hello = chatMessage(FAN, '你好主播')
    const logId = sim.push([
      hello,
      giftMessage({ user: FAN, giftId: 3389n, name: '小心心', diamonds: 1, groupId: 77n, repeatCount: 1 }),
      giftMessage({ user: FAN, giftId: 3389n, name: '小心心', diamonds: 1, groupId: 77n, repeatCount: 2 }),
    ])
    sim.push([
      giftMessage({ user: FAN, giftId: 3389n, name: '小心心', diamonds: 1, groupId: 77n, repeatCount: 3 }),
      giftMessage({ user: FAN, giftId: 3389n, name: '小心心', diamonds: 1, groupId: 77n, repeatCount: 3, repeatEnd: true }),
      likeMessage(FAN, 5, 100),
      memberMessage(FAN, 10),
      unknownMessage('WebcastRoomRankMessage'),
    ])
    await sim.waitFor(() => rec.events.length >= 4 && sim.stats.heartbeats >= 2 && sim.stats.acks.length >= 2)
    expect(rec.events.map((e) => e.type)).toEqual(['message', 'gift', 'like-click', 'interaction'])
    const gift = rec.events[1]!
    if (gift.type !== 'gift') throw new Error()
    expect(gift.giftAmount).toBe(3)
    expect(gift.priceNormalized).toBe(0.3)
    expect(gift.uid).toBe(4_200_000_001)
    expect(gift.medal.level).toBe(5)
    const chat = rec.events[0]!
    if (chat.type !== 'message') throw new Error()
    expect(chat.message).toBe('你好主播')
    // The 64-bit msg id (> 2^53) reaches the id and idStr digit for digit.
    expect(hello.msgId > 2n ** 53n).toBe(true)
    expect(chat.id).toBe(`dy:message:${hello.msgId}`)
    expect(chat.idStr).toBe(hello.msgId.toString())
    expect(chat.origin).toBe(Number(sim.webRid))
    expect(sim.stats.acks[0]!.logId).toBe(logId.toString())
    expect(sim.stats.acks[1]!.payload).toBe(sim.lastResume().internalExt)
    expect(rec.alive()).toBeGreaterThanOrEqual(2)
    expect(connector.stats.messages.unknownMethods).toEqual({ WebcastRoomRankMessage: 1 })
    expect(connector.stats.acksSent).toBeGreaterThanOrEqual(2)

    ac.abort()
    expect(await session).toEqual({ kind: 'aborted' })
    await sim.waitFor(() => sim.openSockets() === 0)
  })

  test('a dropped socket ends the session; the next one resumes with the last cursor and internal_ext', async () => {
    const { sim, connector, room } = setup()
    const rec = recordingHooks()
    const first = connector.session(room, rec.hooks, new AbortController().signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    sim.push([chatMessage(FAN, 'one')])
    // A combo still open when the socket dies must still be counted.
    sim.push([giftMessage({ user: FAN, giftId: 1n, name: '玫瑰', diamonds: 1, groupId: 5n, repeatCount: 4 })])
    await sim.waitFor(() => connector.resumeOf(room.key)?.cursor === sim.lastResume().cursor)
    const resume = sim.lastResume()
    sim.dropSockets()
    const end = await first
    expect(end.kind).toBe('closed')
    const gifts = rec.events.filter((e) => e.type === 'gift')
    expect(gifts).toHaveLength(1)
    if (gifts[0]!.type !== 'gift') throw new Error()
    expect(gifts[0]!.giftAmount).toBe(4)

    const ac = new AbortController()
    const second = connector.session(room, recordingHooks().hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.stats.connections.length === 2)
    const conn = sim.stats.connections[1]!
    expect(conn.query.cursor).toBe(resume.cursor)
    expect(conn.query.internal_ext).toBe(resume.internalExt)
    expect(sim.stats.badSignatures).toBe(0)
    ac.abort()
    expect(await second).toEqual({ kind: 'aborted' })
  })

  test('live end: ControlMessage 3 → live-end event and {kind:offline}; offline rooms resolve offline at once; live-start when it comes back', async () => {
    const { sim, connector, room } = setup()
    const rec = recordingHooks()
    const session = connector.session(room, rec.hooks, new AbortController().signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    const oldRoomId = sim.roomId
    sim.endLive()
    expect(await session).toEqual({ kind: 'offline', recheckMs: 1234 })
    const end = rec.events.at(-1)!
    expect(end.type).toBe('live-end')
    expect(end.id).toBe(`dy:live-end:${oldRoomId}`)
    expect(end.room).toBe(sim.webRid)
    if (end.type !== 'live-end') throw new Error()
    expect(end.username).toBe('测试主播')
    expect(end.uid).toBe(3789344204128560)

    const handshakes = sim.stats.handshakes
    const offline = recordingHooks()
    expect(await connector.session(room, offline.hooks, new AbortController().signal, silentLog)).toEqual({ kind: 'offline', recheckMs: 1234 })
    expect(sim.stats.handshakes).toBe(handshakes) // no connect attempt while offline
    expect(offline.infos[0]?.live).toBe(false)
    expect(offline.events).toHaveLength(0) // live-end was already emitted

    sim.setLive(true, '7699999999999999999')
    const back = recordingHooks()
    const ac = new AbortController()
    const third = connector.session(room, back.hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.stats.connections.length === 2)
    expect(back.events.map((e) => [e.type, e.id])).toEqual([['live-start', 'dy:live-start:7699999999999999999']])
    // A new broadcast does not present the old broadcast's cursor.
    expect(sim.stats.connections.at(-1)!.query.cursor).toBeUndefined()
    expect(sim.stats.connections.at(-1)!.query.room_id).toBe('7699999999999999999')
    ac.abort()
    await third
  })

  test('a refused handshake (HTTP 200 + DEVICE_BLOCKED) → ConnectorError DEVICE_BLOCKED, logged', async () => {
    const lines: string[] = []
    const log = createLogger({ level: 'info', destination: new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb() } }) })
    const { sim, connector, room } = setup({ refuseHandshake: true })
    const err = await connector.session(room, recordingHooks().hooks, new AbortController().signal, log).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConnectorError)
    expect((err as ConnectorError).code).toBe('DEVICE_BLOCKED')
    expect((err as ConnectorError).message).toContain('handshake-msg DEVICE_BLOCKED')
    expect(connector.stats.handshakesRefused).toBe(1)
    expect(sim.stats.refused).toBe(1)
    expect(lines.some((l) => l.includes('DEVICE_BLOCKED') && l.includes('"level":50'))).toBe(true)
    // ttwid is dropped after a refusal: the next session fetches a fresh one.
    sim.refuseHandshake(false)
    const ac = new AbortController()
    const next = connector.session(room, recordingHooks().hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    expect(sim.stats.ttwidRequests).toBe(2)
    ac.abort()
    await next
  })

  test('garbage frames are counted and skipped; the socket keeps working', async () => {
    const { sim, connector, room } = setup()
    const rec = recordingHooks()
    const ac = new AbortController()
    const session = connector.session(room, rec.hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    sim.pushRaw(new Uint8Array([0xff, 0xff, 0xff]))
    sim.pushRaw(new Uint8Array([0x3a, 0x03, 0x6d, 0x73, 0x67, 0x42, 0x03, 1, 2, 3, 0x2a, 0x14, 0x0a, 0x0d, 0x63, 0x6f, 0x6d, 0x70, 0x72, 0x65, 0x73, 0x73, 0x5f, 0x74, 0x79, 0x70, 0x65, 0x12, 0x04, 0x67, 0x7a, 0x69, 0x70]))
    sim.push([chatMessage(FAN, 'still here')])
    await sim.waitFor(() => rec.events.length === 1)
    expect(connector.stats.frameErrors).toBe(2)
    if (rec.events[0]!.type !== 'message') throw new Error()
    expect(rec.events[0]!.message).toBe('still here')
    ac.abort()
    await session
  })

  test('a server close frame ends the session as closed', async () => {
    const { sim, connector, room } = setup()
    const session = connector.session(room, recordingHooks().hooks, new AbortController().signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    sim.pushRaw(toBinary(PushFrameSchema, create(PushFrameSchema, { payloadType: 'close' })))
    expect(await session).toEqual({ kind: 'closed', reason: 'server sent a close frame' })
  })

  test('without a cookie it warns once that gifts may be missing', async () => {
    const lines: string[] = []
    const log = createLogger({ level: 'info', destination: new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb() } }) })
    const { connector, room } = setup({ live: false }, { cookie: undefined })
    await connector.session(room, recordingHooks().hooks, new AbortController().signal, log)
    await connector.session(room, recordingHooks().hooks, new AbortController().signal, log)
    expect(lines.filter((l) => l.includes('no DOUYIN_COOKIE'))).toHaveLength(1)
  })

  test('heartbeats keep a socket alive on a server that drops silent ones', async () => {
    const { sim, connector, room } = setup({ heartbeatTimeoutMs: 100 })
    const ac = new AbortController()
    const session = connector.session(room, recordingHooks().hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    await Bun.sleep(300)
    expect(sim.stats.heartbeatTimeouts).toBe(0)
    expect(sim.openSockets()).toBe(1)
    expect(connector.stats.heartbeatsSent).toBeGreaterThanOrEqual(5)
    ac.abort()
    await session

    // The same server closes a client that does not heartbeat: the session ends "closed".
    const quiet = createDouyinConnector({ webBase: sim.webBase, wsUrl: sim.wsUrl, heartbeatMs: 60_000, cookie: 'sessionid=test' })
    const end = await quiet.session(room, recordingHooks().hooks, new AbortController().signal, silentLog)
    expect(end).toEqual({ kind: 'closed', reason: 'socket closed (1000 heartbeat timeout)' })
    expect(sim.stats.heartbeatTimeouts).toBe(1)
  })

  test('a combo without repeatEnd is emitted after the combo idle time while connected', async () => {
    const { sim, connector, room } = setup({}, { comboIdleMs: 50, comboSweepMs: 10 })
    const rec = recordingHooks()
    const ac = new AbortController()
    const session = connector.session(room, rec.hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    for (const repeatCount of [1, 2]) sim.pushGift({ user: FAN, giftId: 9n, name: '棒棒糖', diamonds: 9, groupId: 300n, repeatCount })
    await sim.waitFor(() => rec.events.some((e) => e.type === 'gift'))
    const gift = rec.events.find((e) => e.type === 'gift')!
    if (gift.type !== 'gift') throw new Error()
    expect(gift.giftAmount).toBe(2)
    expect(gift.price).toBe(18)
    expect(gift.id).toBe('dy:gift:300:4200000001:9:1-2')
    ac.abort()
    await session
    expect(rec.events.filter((e) => e.type === 'gift')).toHaveLength(1)
  })

  test('a planned restart overlaps two sessions: the old one ending does not close the combo the new one carries on', async () => {
    const { sim, connector, room } = setup()
    const rec = recordingHooks()
    const oldAc = new AbortController()
    const old = connector.session(room, rec.hooks, oldAc.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    const newAc = new AbortController()
    const next = connector.session(room, rec.hooks, newAc.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 2)
    sim.pushGift({ user: FAN, giftId: 1n, name: '玫瑰', diamonds: 1, groupId: 77n, repeatCount: 3 })
    await Bun.sleep(50)
    oldAc.abort()
    expect(await old).toEqual({ kind: 'aborted' })
    // The combo is still running on the new session: nothing was emitted for it yet.
    expect(rec.events.filter((e) => e.type === 'gift')).toHaveLength(0)
    sim.pushGift({ user: FAN, giftId: 1n, name: '玫瑰', diamonds: 1, groupId: 77n, repeatCount: 5 })
    await Bun.sleep(50)
    newAc.abort()
    await next
    const gifts = rec.events.filter((e) => e.type === 'gift')
    expect(gifts).toHaveLength(1)
    if (gifts[0]!.type !== 'gift') throw new Error()
    expect(gifts[0]!.giftAmount).toBe(5)
  })

  test('a live that ends without a ControlMessage still gives one live-end when the room resolves offline', async () => {
    const { sim, connector, room } = setup()
    const rec = recordingHooks()
    const first = connector.session(room, rec.hooks, new AbortController().signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    sim.setLive(false)
    sim.dropSockets()
    expect((await first).kind).toBe('closed')
    expect(await connector.session(room, rec.hooks, new AbortController().signal, silentLog)).toEqual({ kind: 'offline', recheckMs: 1234 })
    expect(rec.events.map((e) => [e.type, e.id])).toEqual([['live-end', `dy:live-end:${sim.roomId}`]])
  })

  test('a user cookie with its own ttwid is used as is (no ttwid request)', async () => {
    const { sim, connector, room } = setup({}, { cookie: 'sessionid=abc; ttwid=USERS' })
    const ac = new AbortController()
    const session = connector.session(room, recordingHooks().hooks, ac.signal, silentLog)
    await sim.waitFor(() => sim.openSockets() === 1)
    expect(sim.stats.ttwidRequests).toBe(0)
    expect(sim.stats.connections[0]!.cookie).toBe('sessionid=abc; ttwid=USERS')
    ac.abort()
    await session
  })

  test('abort during resolve resolves {kind:aborted}', async () => {
    const { connector, room } = setup()
    const ac = new AbortController()
    ac.abort()
    expect(await connector.session(room, recordingHooks().hooks, ac.signal, silentLog)).toEqual({ kind: 'aborted' })
    expect(connector.idleTimeoutMs).toBe(30_000)
  })
})
