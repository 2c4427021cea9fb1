import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { App } from '../../src/app'
import { ConfigError, parseEnv } from '../../src/config'
import { BridgeTestClient, bridgeUrl, HOOK_TIMEOUT_MS, waitFor } from '../fanout/clients'
import { startTestApp } from '../support/app'
import { giftEvent } from '../support/events'

const AUTH_KEY = 'sec-auth-key-1'
const CLIENT_PASSWORD = 'sec-bridge-password-1'
const PRODUCER_SECRET = 'sec-producer-secret-1'
const SERVER_ROLE = 'laplace-event-bridge-role-server'

/** A ¥30,000 Bilibili super chat, as a producer would push it. */
const superChat = (id: string) =>
  giftEvent(0, {
    type: 'superchat', id, price: 30_000, priceNormalized: 30_000, message: 'injected?', room: '25034104', origin: 25034104,
    timestamp: Date.now(), timestampNormalized: Date.now(),
  })

/** The upgrade as a raw request, to read the HTTP refusal a browser WebSocket hides. */
function upgrade(app: App, protocols: string[]): Promise<Response> {
  return fetch(`${app.url}/`, {
    headers: {
      upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13',
      'sec-websocket-protocol': protocols.join(', '),
    },
  })
}

async function paidTotal(app: App): Promise<{ count: number; total: number }> {
  const res = await fetch(`${app.url}/stats/paid?hours=24`, { headers: { authorization: `Bearer ${AUTH_KEY}` } })
  const body = (await res.json()) as { data: { days: Array<{ count: number; total: number }> } }
  return body.data.days.reduce((a, d) => ({ count: a.count + d.count, total: a.total + d.total }), { count: 0, total: 0 })
}

describe('the bridge producer role needs WEBSOCKET_BRIDGE_PRODUCER_AUTH', () => {
  let app: App

  beforeAll(async () => {
    app = await startTestApp({
      AUTH_KEY, WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: CLIENT_PASSWORD, WEBSOCKET_BRIDGE_PRODUCER_AUTH: PRODUCER_SECRET, ROOMS: '',
    })
  }, HOOK_TIMEOUT_MS)
  afterAll(() => app.stop(), HOOK_TIMEOUT_MS)

  test('the client password (and AUTH_KEY) never open the producer role: a ¥30,000 super chat is not stored, not counted', async () => {
    const before = await paidTotal(app)
    const consumer = new BridgeTestClient(bridgeUrl(app), ['laplace-event-bridge-role-client', CLIENT_PASSWORD])
    await consumer.opened()

    let refused = 0
    for (const secret of [CLIENT_PASSWORD, AUTH_KEY]) {
      const res = await upgrade(app, [SERVER_ROLE, secret])
      expect(res.status).toBe(401)
      expect(await res.text()).toContain('WEBSOCKET_BRIDGE_PRODUCER_AUTH')
      refused++
      // A real client too: the socket never opens, so nothing can be sent.
      const ws = new BridgeTestClient(bridgeUrl(app, { token: secret }), [SERVER_ROLE])
      await expect(ws.opened()).rejects.toThrow()
    }
    await app.writer.flush()
    await Bun.sleep(100)
    const after = await paidTotal(app)
    expect(after).toEqual(before)
    expect(await app.store.after(0n, {}, 10)).toHaveLength(0)
    expect(consumer.events()).toHaveLength(0)
    expect(app.bridge?.stats.produced).toBe(0)
    console.log(`producer with client password: ${refused * 2} attempts refused, 0 stored, /stats/paid +¥${after.total - before.total}`)
    consumer.close()
  })

  test('the producer secret publishes: the same super chat is stored, relayed and counted in /stats/paid', async () => {
    const before = await paidTotal(app)
    const consumer = new BridgeTestClient(bridgeUrl(app), ['laplace-event-bridge-role-client', CLIENT_PASSWORD])
    const producer = new BridgeTestClient(bridgeUrl(app), [SERVER_ROLE, PRODUCER_SECRET])
    await Promise.all([consumer.opened(), producer.opened()])
    await waitFor('consumer registered', () => app.bridge?.clientCount === 1)
    producer.send(superChat('sc-producer-ok'))
    expect(await producer.frame('broadcast-success')).toMatchObject({ accepted: 1 })
    await waitFor('relayed', () => consumer.events().some((e) => e.id === 'sc-producer-ok'))
    await app.writer.flush()
    const after = await paidTotal(app)
    expect(after.count - before.count).toBe(1)
    expect(after.total - before.total).toBe(30_000)
    console.log(`producer with producer secret: 1 sent, 1 stored, /stats/paid +¥${after.total - before.total}`)
    consumer.close()
    producer.close()
  })
})

describe('producer secret configuration', () => {
  test('producers are refused (403) while WEBSOCKET_BRIDGE_PRODUCER_AUTH is unset, whatever password they bring', async () => {
    const app = await startTestApp({ AUTH_KEY, WEBSOCKET_BRIDGE: 'true', WEBSOCKET_BRIDGE_AUTH: CLIENT_PASSWORD })
    try {
      for (const secret of [CLIENT_PASSWORD, AUTH_KEY, 'anything']) {
        const res = await upgrade(app, [SERVER_ROLE, secret])
        expect(res.status).toBe(403)
        expect(await res.text()).toContain('set WEBSOCKET_BRIDGE_PRODUCER_AUTH')
      }
    } finally {
      await app.stop()
    }
  }, HOOK_TIMEOUT_MS)

  test('a producer secret equal to the client password or an AUTH_KEY is refused at start-up, without echoing it', () => {
    const cases = [
      { WEBSOCKET_BRIDGE_AUTH: 'same-secret-1', WEBSOCKET_BRIDGE_PRODUCER_AUTH: 'same-secret-1' },
      { AUTH_KEY: 'k1,same-secret-2', WEBSOCKET_BRIDGE_PRODUCER_AUTH: 'same-secret-2' },
    ]
    for (const env of cases) {
      let problems: string[] = []
      try {
        parseEnv(env)
      } catch (err) {
        problems = (err as ConfigError).problems
      }
      expect(problems).toHaveLength(1)
      expect(problems[0]).toStartWith('WEBSOCKET_BRIDGE_PRODUCER_AUTH: must differ from WEBSOCKET_BRIDGE_AUTH and every AUTH_KEY')
      expect(problems[0]).not.toContain('same-secret')
    }
    expect(parseEnv({ WEBSOCKET_BRIDGE_AUTH: 'a-client-secret', WEBSOCKET_BRIDGE_PRODUCER_AUTH: 'a-producer-secret' }).WEBSOCKET_BRIDGE_PRODUCER_AUTH).toEqual(['a-producer-secret'])
  })
})
