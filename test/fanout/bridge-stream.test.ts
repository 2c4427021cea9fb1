import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { HOOK_TIMEOUT_MS, BridgeTestClient, bridgeUrl, upload, waitFor } from './clients'

const PASSWORD = 'bridge-secret-2'
const PRODUCER = 'producer-secret-2'
const UPLOAD_KEY = 'upload-key-2'
const AUTH = ['laplace-event-bridge-role-client', PASSWORD]

describe('bridge filters, replay and producers', () => {
  let app: App

  beforeAll(async () => {
    app = await startTestApp({ WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: PASSWORD, WEBSOCKET_BRIDGE_PRODUCER_AUTH: PRODUCER, UPLOAD_KEY })
  }, HOOK_TIMEOUT_MS)
  afterAll(() => app.stop(), HOOK_TIMEOUT_MS)

  test('?rooms= and ?types= filter live events', async () => {
    const gifts = new BridgeTestClient(bridgeUrl(app, { types: 'gift,superchat' }), AUTH)
    const douyin = new BridgeTestClient(bridgeUrl(app, { rooms: 'douyin:646454278948' }), AUTH)
    const bili = new BridgeTestClient(bridgeUrl(app, { rooms: '25034104', types: 'message' }), AUTH)
    await Promise.all([gifts.opened(), douyin.opened(), bili.opened()])
    await waitFor('3 clients', () => app.bridge?.clientCount === 3)

    await upload(app, UPLOAD_KEY, [
      giftEvent(1, { id: 'f-gift-1' }),
      messageEvent(2, { id: 'f-msg-2' }),
      messageEvent(3, { id: 'dy:f-msg-3', platform: 'douyin', room: '646454278948', origin: 646454278948 }),
      giftEvent(4, { id: 'dy:f-gift-4', platform: 'douyin', room: '646454278948', origin: 646454278948 }),
    ])
    await waitFor('douyin events', () => douyin.events().length === 2)
    await waitFor('gift events', () => gifts.events().length === 2)
    await waitFor('bilibili messages', () => bili.events().length === 1)
    await Bun.sleep(50)
    expect(gifts.events().map((e) => e.id)).toEqual(['f-gift-1', 'dy:f-gift-4'])
    expect(douyin.events().map((e) => e.id)).toEqual(['dy:f-msg-3', 'dy:f-gift-4'])
    expect(bili.events().map((e) => e.id)).toEqual(['f-msg-2'])
    for (const c of [gifts, douyin, bili]) c.close()
  })

  test('a bad filter is refused with 400 before the upgrade', async () => {
    const res = await fetch(`${app.url}/?types=gift,gifts&token=${PASSWORD}`, {
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('unknown event type(s) in types: "gifts"')
  })

  test('?since= replays stored events after that id, then continues live without duplicates', async () => {
    const room = { platform: 'bilibili', room: '777001', origin: 777001 }
    await upload(app, UPLOAD_KEY, [1, 2, 3, 4, 5].map((n) => messageEvent(n, { id: `since-${n}`, ...room })))
    const client = new BridgeTestClient(bridgeUrl(app, { since: 'since-2', rooms: '777001' }), AUTH)
    await client.opened()
    await waitFor('replayed 3', () => client.events().length === 3)
    // A live event after the replay, plus a re-upload of a replayed one (stored already, so not published again).
    await upload(app, UPLOAD_KEY, [messageEvent(6, { id: 'since-6', ...room }), messageEvent(5, { id: 'since-5', ...room })])
    await waitFor('live event', () => client.events().length === 4)
    await Bun.sleep(50)
    expect(client.events().map((e) => e.id)).toEqual(['since-3', 'since-4', 'since-5', 'since-6'])
    expect((client.events()[0] as unknown as { message: string }).message).toBe('hello 3')
    client.close()
  })

  test('an unknown ?since= id gives an error frame, then live events', async () => {
    const client = new BridgeTestClient(bridgeUrl(app, { since: 'no-such-id', rooms: '777002' }), AUTH)
    const error = await client.frame('error')
    expect(String(error.message)).toContain('unknown event id "no-such-id"')
    await upload(app, UPLOAD_KEY, [messageEvent(9, { id: 'after-unknown-9', room: '777002', origin: 777002 })])
    await waitFor('live event', () => client.events().length === 1)
    expect(client.events()[0]?.id).toBe('after-unknown-9')
    client.close()
  })

  test('producers (server role) publish validated events to clients and the database', async () => {
    const consumer = new BridgeTestClient(bridgeUrl(app, { rooms: '777003' }), AUTH)
    const producer = new BridgeTestClient(bridgeUrl(app), ['laplace-event-bridge-role-server', PRODUCER])
    await Promise.all([consumer.opened(), producer.opened()])
    expect((await producer.frame('established')).isServer).toBe(true)
    expect(producer.ws.protocol).toBe('laplace-event-bridge-role-server')

    producer.send(giftEvent(11, { id: 'produced-11', room: '777003', origin: 777003 }))
    const ack = await producer.frame('broadcast-success')
    expect(ack.accepted).toBe(1)
    await waitFor('produced event', () => consumer.events().length === 1)
    expect(consumer.events()[0]).toMatchObject({ id: 'produced-11', giftName: '小花花', price: 2000 })
    // A producer does not receive its own events.
    expect(producer.events()).toEqual([])

    producer.send({ type: 'gift', id: 'bad' })
    const err = await producer.frame('error')
    expect(String(err.message)).toContain('timestamp must be a number')
    producer.send('not json{')
    await waitFor('second error', () => producer.frames.filter((f) => f.type === 'error').length === 2)

    await app.writer.flush()
    expect(await app.store.seqOf('produced-11')).toBeDefined()
    expect(await app.store.seqOf('bad')).toBeUndefined()
    expect(app.bridge?.stats.produced).toBe(1)
    expect(app.bridge?.stats.producerRejects).toBe(1)
    consumer.close()
    producer.close()
  })

  test('producers need a password: refused with 401 without one', async () => {
    const res = await fetch(`${app.url}/`, {
      headers: {
        upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13',
        'sec-websocket-protocol': 'laplace-event-bridge-role-server',
      },
    })
    expect(res.status).toBe(401)
  })

  test('consumer messages other than pong are acknowledged, not relayed', async () => {
    const a = new BridgeTestClient(bridgeUrl(app), AUTH)
    const b = new BridgeTestClient(bridgeUrl(app), AUTH)
    await Promise.all([a.opened(), b.opened()])
    a.send(giftEvent(20, { id: 'from-consumer' }))
    a.send({ type: 'pong', timestamp: 1, respondingTo: 0 })
    await a.frame('client-message-received')
    await Bun.sleep(50)
    expect(b.events()).toEqual([])
    expect(a.frames.filter((f) => f.type === 'client-message-received')).toHaveLength(1)
    a.close()
    b.close()
  })
})
