import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { roomOrigin } from '../../src/events'
import { BridgeTestClient, bridgeUrl, SseTestClient, waitFor } from '../fanout/clients'
import { api, quietConnector, startNode } from './support'

const KEY = 'op-key'

describe('operator messages', () => {
  let app: App
  beforeAll(async () => {
    app = await startNode({ AUTH_KEY: KEY, WEBSOCKET_BRIDGE: 'true', ROOMS: '25034104,tiktok:@some_host' }, { bilibili: quietConnector(), tiktok: quietConnector('tiktok') })
  }, 30_000)
  afterAll(async () => {
    await app.stop()
  }, 30_000)

  test('POST /rooms/:room/messages reaches bridge and SSE clients of that room and is stored', async () => {
    const bridge = new BridgeTestClient(bridgeUrl(app, { token: KEY, rooms: '25034104' }))
    await bridge.opened()
    await bridge.frame('established')
    const sse = new SseTestClient(`${app.url}/sse?rooms=25034104&token=${KEY}`)
    await waitFor('sse connected', () => sse.messages.some((m) => m.comment === 'connected to lef'))
    // A client of another room must not see it.
    const other = new SseTestClient(`${app.url}/sse?rooms=tiktok:@some_host&token=${KEY}`)
    await waitFor('other sse connected', () => other.messages.some((m) => m.comment === 'connected to lef'))

    const res = await api<{ id: string; type: string; message: string; origin: number; username: string; platform: string; room: string }>(
      app, 'POST', '/rooms/25034104/messages', { message: 'Stream starts in 5 minutes', username: 'Operator' }, KEY,
    )
    expect(res.status).toBe(200)
    const sent = res.json.data
    expect(sent).toMatchObject({ type: 'system', message: 'Stream starts in 5 minutes', username: 'Operator', origin: 25034104, originIdx: 0, platform: 'bilibili', room: '25034104', uid: 0 })
    expect(sent.id.startsWith('operator:')).toBe(true)

    const viaBridge = await waitFor('bridge event', () => bridge.events().find((e) => e.id === sent.id))
    expect(viaBridge).toMatchObject({ type: 'system', message: 'Stream starts in 5 minutes' })
    const viaSse = await waitFor('sse event', () => sse.events().find((m) => m.id === sent.id))
    expect(viaSse.event).toBe('system')
    expect(JSON.parse(viaSse.data!)).toMatchObject({ message: 'Stream starts in 5 minutes', room: '25034104' })

    await app.writer.flush()
    const stored = await api<Array<{ id: string; message: string }>>(app, 'GET', '/events/25034104?full=1', undefined, KEY)
    expect(stored.json.data.map((e) => e.id)).toContain(sent.id)
    expect(other.events().some((m) => m.id === sent.id)).toBe(false)
    bridge.close()
    sse.close()
    other.close()
  })

  test('a TikTok room gets its derived origin, its /info index and a tt: id; unknown rooms are 404; bad bodies 400; no key 401', async () => {
    const res = await api<{ id: string; origin: number; originIdx: number }>(app, 'POST', '/rooms/tiktok:@some_host/messages', { message: 'hi' }, KEY)
    const info = await api<{ rooms: Array<{ room: string; roomId: number }> }>(app, 'GET', '/info', undefined, KEY)
    expect(res.json.data.origin).toBe(roomOrigin('tiktok', 'some_host'))
    expect(res.json.data.originIdx).toBe(1)
    expect(info.json.data.rooms[res.json.data.originIdx]).toMatchObject({ room: 'some_host', roomId: res.json.data.origin })
    expect(res.json.data.id.startsWith('tt:operator:')).toBe(true)
    const unknown = await api(app, 'POST', '/rooms/douyin:999/messages', { message: 'hi' }, KEY)
    expect(unknown.status).toBe(404)
    expect(unknown.json.message).toContain('No room douyin:999')
    const empty = await api(app, 'POST', '/rooms/25034104/messages', { message: '   ' }, KEY)
    expect(empty.status).toBe(400)
    expect(empty.json.message).toContain('message')
    expect((await api(app, 'POST', '/rooms/25034104/messages', { message: 'x' }, null)).status).toBe(401)
  })
})
