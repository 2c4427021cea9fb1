import { afterAll, beforeAll, describe, expect, spyOn, test } from 'bun:test'
import { LaplaceEventBridgeClient, fetchInfo, type FetcherInfo } from '@laplace.live/event-bridge-sdk'
import type { App } from '../../src/app'
import { roomOrigin } from '../../src/events'
import { HOOK_TIMEOUT_MS, bridgeUrl, waitFor } from '../fanout/clients'
import { ScriptedRoom } from '../sim/bilibili/scripted-room'
import { startBilibiliSim, type BilibiliSim } from '../sim/bilibili/sim'
import { startDouyinSim, type DouyinSim } from '../sim/douyin/sim'
import { startTikTokSim, type TikTokSim } from '../sim/tiktok/sim'
import { startTestApp } from '../support/app'
import { createTestDatabase } from '../support/pg'
import { simEnv } from '../sim/sim-env'

// The SDK narrates every connect on the console; keep test output readable.
spyOn(console, 'log').mockImplementation(() => {})
spyOn(console, 'warn').mockImplementation(() => {})

type Received = { type: string; id: string; origin: number; originIdx: number; platform: string; room: string; message?: string } & Record<string, unknown>
const KEY = 'fields-auth-key'

type InfoRoom = FetcherInfo['rooms'][number] & { platform: string; room: string }

const BILI = 21452505
const TT_A = { name: 'host_a', roomId: '7270193599273680001' }
const TT_B = { name: 'host_b', roomId: '7270193599273680002' }

// What a LAPLACE client does with the fields: looks the event's room up in /info's rooms by
// `originIdx`, and matches it by `origin` = that room's `roomId`. Four rooms on three
// platforms, two of them TikTok, through the real SDK, on PostgreSQL with a second node.
describe('origin, originIdx and priceNormalized as LAPLACE clients read them', () => {
  let app: App
  let second: App
  let bilibili: BilibiliSim
  let douyin: DouyinSim
  let tiktok: TikTokSim
  let drop: () => Promise<void>
  let client: LaplaceEventBridgeClient
  const received: Received[] = []
  const script = new ScriptedRoom({ roomId: BILI, seed: 11 })
  const info = async (node: App = app) => (await fetchInfo({ url: bridgeUrl(node), token: KEY }))!.rooms as InfoRoom[]
  const from = (room: string, pred: (e: Received) => boolean = () => true) => received.filter((e) => e.room === room && pred(e))

  beforeAll(async () => {
    bilibili = await startBilibiliSim({ roomId: BILI, anchorName: 'Bili Host' })
    douyin = startDouyinSim()
    tiktok = startTikTokSim({
      users: {
        [TT_A.name]: { roomId: TT_A.roomId, live: true, uid: '7000000000000000011', nickname: 'Host A' },
        [TT_B.name]: { roomId: TT_B.roomId, live: true, uid: '7000000000000000012', nickname: 'Host B' },
      },
    })
    const db = await createTestDatabase()
    drop = db.drop
    const env = {
      DATABASE_URL: db.url,
      // Interleaved on purpose: the order is the table's, not grouped by platform.
      ROOMS: `tiktok:@${TT_A.name},${BILI},douyin:${douyin.webRid},tiktok:@${TT_B.name}`,
      WEBSOCKET_BRIDGE: 'true',
      ...simEnv({ bilibili, douyin, tiktok }),
      RESTART_WAIT: '100',
      ROOM_LEASE_TTL: '1500',
      // Removing a room is a write: it needs AUTH_KEY, which then guards /info and the bridge too.
      AUTH_KEY: KEY,
    }
    app = await startTestApp(env)
    await waitFor('four rooms connected', () => app.rooms.list().length === 4 && app.rooms.list().every((r) => r.state === 'connected'), 15_000)
    // A second node on the same database: it holds no room (the first holds every lease) but
    // must list the same rooms in the same order.
    second = await startTestApp(env)
    client = new LaplaceEventBridgeClient({ url: bridgeUrl(app), token: KEY, reconnect: false })
    client.onAny((e) => {
      if ('platform' in e) received.push(e as unknown as Received)
    })
    await client.connect()
  }, HOOK_TIMEOUT_MS)
  afterAll(async () => {
    client?.disconnect()
    await second?.stop()
    await app?.stop()
    await Promise.all([bilibili?.close(), douyin?.stop(), tiktok?.close()])
    await drop?.()
  }, HOOK_TIMEOUT_MS)

  test('/info lists the rooms in the table order, each with a non-zero roomId; every node agrees', async () => {
    const rooms = await info()
    expect(rooms.map((r) => `${r.platform}:${r.room}`)).toEqual([`tiktok:${TT_A.name}`, `bilibili:${BILI}`, `douyin:${douyin.webRid}`, `tiktok:${TT_B.name}`])
    expect(rooms.map((r) => r.roomId)).toEqual([roomOrigin('tiktok', TT_A.name), BILI, Number(douyin.webRid), roomOrigin('tiktok', TT_B.name)])
    for (const r of rooms) {
      expect(r.roomId).toBeGreaterThan(0)
      expect(r.roomId).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
    }
    expect(rooms[0]!.roomId).not.toBe(rooms[3]!.roomId)
    expect(second.rooms.list()).toHaveLength(0)
    const other = await info(second)
    expect(other.map((r) => [r.platform, r.room, r.roomId])).toEqual(rooms.map((r) => [r.platform, r.room, r.roomId]))
  })

  test('every event through the SDK carries its room\'s /info index and roomId; TikTok gifts are priced in CNY', async () => {
    bilibili.send(script.danmu(), script.gift())
    douyin.pushChat({ id: 4_000_000_000_000_001n, nickname: '抖音观众' }, '弹幕 e2e')
    tiktok.pushChat('hello A', TT_A.roomId)
    tiktok.pushChat('hello B', TT_B.roomId)
    tiktok.pushGift({ roomId: TT_A.roomId, giftId: 5655, name: 'Rose', type: 2, coins: 10 })
    tiktok.pushGift({ roomId: TT_B.roomId, giftId: 5655, name: 'Rose', type: 2, coins: 20 })
    await waitFor('events of all four rooms', () =>
      from(String(BILI), (e) => e.type === 'message').length > 0 && from(String(BILI), (e) => e.type === 'gift').length > 0 &&
      from(douyin.webRid, (e) => e.type === 'message').length > 0 &&
      from(TT_A.name, (e) => e.type === 'gift').length > 0 && from(TT_B.name, (e) => e.type === 'gift').length > 0 &&
      from(TT_A.name, (e) => e.message === 'hello A').length > 0 && from(TT_B.name, (e) => e.message === 'hello B').length > 0,
    10_000)

    const rooms = await info()
    for (const e of received) {
      const room = rooms[e.originIdx]
      expect({ id: e.id, platform: room?.platform, room: room?.room, roomId: room?.roomId }).toEqual({ id: e.id, platform: e.platform, room: e.room, roomId: e.origin })
    }
    // Each TikTok room's events went to that room only, and the two are told apart.
    expect(from(TT_A.name).some((e) => e.message === 'hello B')).toBe(false)
    const [a, b] = [from(TT_A.name)[0]!, from(TT_B.name)[0]!]
    expect(a.origin).not.toBe(b.origin)
    expect(a.originIdx).toBe(0)
    expect(b.originIdx).toBe(3)

    // 10 coins × 0.0133 USD = 0.133 USD, × 7.1 CNY per USD; the USD amount is kept beside it.
    const gift = from(TT_A.name, (e) => e.type === 'gift')[0]!
    expect(gift).toMatchObject({ currency: 'CNY', priceOriginal: 0.133, currencyOriginal: 'USD' })
    expect(gift.priceNormalized).toBeCloseTo(0.133 * 7.1, 4)
    const biliGift = from(String(BILI), (e) => e.type === 'gift')[0]!
    expect(biliGift).toMatchObject({ currency: 'CNY', currencyOriginal: 'CNY' })
    expect(biliGift.priceNormalized).toBe(biliGift.priceOriginal as number)
  })

  test('removing a room shifts the later rooms\' index in /info and on their next events', async () => {
    const res = await fetch(`${app.url}/rooms/tiktok:@${TT_A.name}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } })
    expect(res.status).toBe(200)
    const rooms = await info()
    expect(rooms.map((r) => r.room)).toEqual([String(BILI), douyin.webRid, TT_B.name])
    tiktok.pushChat('after the delete', TT_B.roomId)
    const e = await waitFor('the chat after the delete', () => from(TT_B.name, (x) => x.message === 'after the delete')[0])
    expect(e.originIdx).toBe(2)
    expect(rooms[e.originIdx]!.roomId).toBe(e.origin)
    // The other node reads the same table.
    expect((await info(second)).map((r) => r.room)).toEqual(rooms.map((r) => r.room))
  })
})
