import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { roomOrigin } from '../../src/events'
import { startTestApp } from '../support/app'
import { createTestDatabase } from '../support/pg'
import { startDouyinSim, type DouyinSim } from '../sim/douyin/sim'
import { startTikTokSim, type TikTokSim } from '../sim/tiktok/sim'
import { waitFor } from '../support/wait-for'
import { simEnv } from '../sim/sim-env'

type Stored = { id: string; type: string; platform: string; room: string; priceNormalized?: number; priceOriginal?: number; giftAmount?: number; currency?: string; message?: string }

// The whole daemon (config → rooms → connectors → bus → writer → PostgreSQL → REST) against the
// platform simulators: what a user sees, with no internet.
describe('lef against the TikTok and Douyin simulators, on PostgreSQL', () => {
  let app: App
  let tiktok: TikTokSim
  let douyin: DouyinSim
  let drop: () => Promise<void>
  const events = async (room: string, full = false): Promise<Stored[]> =>
    ((await (await fetch(`${app.url}/events/${room}${full ? '?full=1' : ''}`)).json()) as { data: Stored[] }).data

  beforeAll(async () => {
    tiktok = startTikTokSim()
    douyin = startDouyinSim()
    const db = await createTestDatabase()
    drop = db.drop
    app = await startTestApp({
      DATABASE_URL: db.url,
      ROOMS: 'tiktok:@sim_host,douyin:646454278948',
      ...simEnv({ douyin, tiktok }),
      RESTART_WAIT: '100',
    })
    await waitFor(() => app.rooms.list().every((r) => r.state === 'connected'))
  })
  afterAll(async () => {
    await app.stop()
    await tiktok.close()
    await douyin.stop()
    await drop()
  })

  test('both rooms report connected with their room facts in /info', async () => {
    const info = (await (await fetch(`${app.url}/info`)).json()) as { data: { rooms: Array<Record<string, unknown>> } }
    const byPlatform = Object.fromEntries(info.data.rooms.map((r) => [r.platform, r]))
    expect(byPlatform.tiktok).toMatchObject({ room: 'sim_host', state: 'connected', live: true, roomId: roomOrigin('tiktok', 'sim_host') })
    expect(byPlatform.douyin).toMatchObject({ room: '646454278948', state: 'connected', live: true, roomId: 646454278948 })
  })

  test('a TikTok streak is stored once at its end, priced in CNY with the USD total kept; chat is stored too', async () => {
    for (const repeatCount of [1, 2, 3, 4]) tiktok.pushGift({ giftId: 5655, name: 'Rose', type: 1, coins: 1, repeatCount, groupId: '99001' })
    tiktok.pushGift({ giftId: 5655, name: 'Rose', type: 1, coins: 1, repeatCount: 5, repeatEnd: true, groupId: '99001' })
    tiktok.pushChat('hello from e2e')
    await waitFor(async () => (await events('tiktok:@sim_host', true)).some((e) => e.message === 'hello from e2e'))
    await app.writer.flush()
    const paid = await events('tiktok:@sim_host')
    expect(paid).toHaveLength(1)
    expect(paid[0]).toMatchObject({ type: 'gift', platform: 'tiktok', room: 'sim_host', giftAmount: 5, currency: 'CNY', currencyOriginal: 'USD' })
    expect(paid[0]!.priceOriginal).toBeCloseTo(5 * 0.0133, 6)
    expect(paid[0]!.priceNormalized).toBeCloseTo(5 * 0.0133 * 7.1, 4)
    expect(paid[0]!.id.startsWith('tt:')).toBe(true)
  })

  test('a Douyin combo (repeatCount 1, 2, 3, then end) is stored once with the right total in CNY', async () => {
    const fan = { id: 4_000_000_000_000_000_123n, nickname: '粉丝甲' }
    for (const repeatCount of [1, 2, 3]) douyin.pushGift({ user: fan, giftId: 685n, name: '粉丝团灯牌', diamonds: 1, groupId: 77n, repeatCount })
    douyin.pushGift({ user: fan, giftId: 685n, name: '粉丝团灯牌', diamonds: 1, groupId: 77n, repeatCount: 3, repeatEnd: true })
    await waitFor(async () => (await events('douyin:646454278948')).length > 0)
    await Bun.sleep(200)
    const paid = await events('douyin:646454278948')
    expect(paid).toHaveLength(1)
    expect(paid[0]).toMatchObject({ type: 'gift', platform: 'douyin', room: '646454278948', giftAmount: 3 })
    expect(paid[0]!.priceNormalized).toBeCloseTo(0.3, 6)
    expect(paid[0]!.id.startsWith('dy:')).toBe(true)
  })

  test('a dropped TikTok socket is reconnected and nothing is stored twice', async () => {
    const before = (await events('tiktok:@sim_host', true)).length
    tiktok.dropConnections()
    await waitFor(() => app.rooms.list().find((r) => r.platform === 'tiktok')!.reconnects >= 1)
    await waitFor(() => app.rooms.list().find((r) => r.platform === 'tiktok')!.state === 'connected')
    tiktok.pushChat('after the drop')
    await waitFor(async () => (await events('tiktok:@sim_host', true)).some((e) => e.message === 'after the drop'))
    const all = await events('tiktok:@sim_host', true)
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length)
    expect(all.length).toBeGreaterThan(before)
  })

  test('a TikTok stream end stores live-end and the room waits calmly, offline', async () => {
    const reconnectsBefore = app.rooms.list().find((r) => r.platform === 'tiktok')!.reconnects
    tiktok.endStream()
    await waitFor(async () => (await events('tiktok:@sim_host', true)).some((e) => e.type === 'live-end'))
    await waitFor(() => app.rooms.list().find((r) => r.platform === 'tiktok')!.state === 'offline')
    await Bun.sleep(300)
    const room = app.rooms.list().find((r) => r.platform === 'tiktok')!
    expect(room.state).toBe('offline')
    expect(room.reconnects).toBe(reconnectsBefore)
  })
})
