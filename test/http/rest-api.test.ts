import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { fetchInfo } from '@laplace.live/event-bridge-sdk'
import type { App } from '../../src/app'
import { roomOrigin } from '../../src/events'
import { startTestApp } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'
import { createTestDatabase } from '../support/pg'

const UPLOAD_KEY = 'upload-secret-1'
const AUTH_KEY = 'auth-secret-1'

const backends = [
  { name: 'PGlite', env: async () => ({ env: {}, drop: async () => {} }) },
  {
    name: 'PostgreSQL',
    env: async () => {
      const t = await createTestDatabase()
      return { env: { DATABASE_URL: t.url }, drop: t.drop }
    },
  },
]

for (const backend of backends) {
  describe(`REST API on ${backend.name}`, () => {
    let app: App
    let drop: () => Promise<void>
    const upload = (body: BodyInit, headers: Record<string, string> = {}) =>
      fetch(`${app.url}/upload`, { method: 'POST', body, headers: { authorization: `Bearer ${UPLOAD_KEY}`, ...headers } })
    const get = (path: string, key: string | null = AUTH_KEY) =>
      fetch(`${app.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} })

    beforeAll(async () => {
      const b = await backend.env()
      drop = b.drop
      app = await startTestApp({
        ...b.env, UPLOAD_KEY: `other-key,${UPLOAD_KEY}`, AUTH_KEY, ROOMS: '25034104,douyin:646454278948,tiktok:@someone',
        UPLOAD_MAX_BYTES: String(1024 * 1024),
      })
    })
    afterAll(async () => {
      await app.stop()
      await drop()
    })

    test('GET /ping really checks the database: a verdict without a key, details with it, 401 with a wrong one', async () => {
      const res = await fetch(`${app.url}/ping`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ success: true, status: 200, data: { message: 'pong', status: 'healthy' } })
      const detailed = await get('/ping')
      expect(await detailed.json()).toEqual({
        success: true, status: 200, data: { message: 'pong', status: 'healthy', database: backend.name === 'PGlite' ? 'pglite' : 'postgres', redis: 'not configured' },
      })
      expect((await get('/ping', 'wrong-key')).status).toBe(401)
    })

    test('uploading 1,000 events with duplicates stores each once; /events returns paid only, oldest first; ?full=1 all', async () => {
      const now = Date.now()
      // 600 gifts and 400 messages, newest first, then 200 of them again.
      const events = Array.from({ length: 1000 }, (_, i) => {
        const t = now - 60_000 + (1000 - i)
        return i % 5 < 3 ? giftEvent(i, { timestamp: t, timestampNormalized: t }) : messageEvent(i, { timestamp: t, timestampNormalized: t })
      })
      const first = await upload(JSON.stringify(events.slice(0, 800)), { 'content-type': 'application/json' })
      expect(await first.json()).toEqual({ success: true, status: 200, data: { received: 800, inserted: 800, duplicates: 0 } })
      // The rest as NDJSON, gzip'd, with 200 duplicates mixed in.
      const ndjson = [...events.slice(800), ...events.slice(0, 200)].map((e) => JSON.stringify(e)).join('\n')
      const second = await upload(gzipSync(ndjson), { 'content-type': 'application/x-ndjson' })
      expect(await second.json()).toEqual({ success: true, status: 200, data: { received: 400, inserted: 200, duplicates: 200 } })

      const paid = (await (await get('/events/25034104')).json()) as { data: Array<{ id: string; type: string; timestamp: number }> }
      expect(paid.data).toHaveLength(600)
      expect(new Set(paid.data.map((e) => e.type))).toEqual(new Set(['gift']))
      const times = paid.data.map((e) => e.timestamp)
      expect(times).toEqual([...times].sort((a, b) => a - b))
      expect(paid.data[0]!.id).toBe('gift-997') // the oldest gift

      const full = (await (await get('/events/bilibili:25034104?full=1')).json()) as { data: Array<{ id: string }> }
      expect(full.data).toHaveLength(1000)
      expect(new Set(full.data.map((e) => e.id)).size).toBe(1000)
      const limited = (await (await get(`/events/25034104?full=1&limit=10&since=${now - 60_000 + 500}`)).json()) as { data: Array<{ timestamp: number }> }
      expect(limited.data).toHaveLength(10)
      expect(limited.data[0]!.timestamp).toBe(now - 60_000 + 500)
    })

    test('an archive object (.lca) and a single gzip JSON event are accepted; events without platform are Bilibili events of origin', async () => {
      const t = Date.now() - 1000
      const lca = { version: 1, room: 'x', events: [{ ...giftEvent(5000, { timestamp: t, timestampNormalized: t }), platform: undefined, room: undefined, origin: 4242 }] }
      const res = await upload(JSON.stringify(lca))
      expect((await res.json()).data).toEqual({ received: 1, inserted: 1, duplicates: 0 })
      const stored = (await (await get('/events/4242')).json()) as { data: Array<Record<string, unknown>> }
      expect(stored.data).toHaveLength(1)
      expect(stored.data[0]).toMatchObject({ id: 'gift-5000', platform: 'bilibili', room: '4242', origin: 4242 })

      const dy = giftEvent(5001, { id: 'dy:abc', platform: 'douyin', room: '646454278948', origin: 646454278948, timestamp: t, timestampNormalized: t })
      const res2 = await upload(gzipSync(JSON.stringify(dy)), { 'content-encoding': 'gzip' })
      expect((await res2.json()).data.inserted).toBe(1)
      const dyEvents = (await (await get('/events/douyin:646454278948')).json()) as { data: Array<{ id: string }> }
      expect(dyEvents.data.map((e) => e.id)).toEqual(['dy:abc'])
    })

    test('an uploaded event keeps the origin it carries; one without gets its room\'s origin, as /info lists it', async () => {
      const t = Date.now() - 1000
      const kept = giftEvent(5100, { id: 'tt:kept', platform: 'tiktok', room: 'someone', origin: 0, timestamp: t, timestampNormalized: t })
      const derived = { ...giftEvent(5101, { id: 'tt:derived', platform: 'tiktok', room: 'someone', timestamp: t, timestampNormalized: t }), origin: undefined }
      expect((await (await upload(JSON.stringify([kept, derived]))).json()).data.inserted).toBe(2)
      const stored = (await (await get('/events/tiktok:@someone')).json()) as { data: Array<{ id: string; origin: number }> }
      expect(Object.fromEntries(stored.data.map((e) => [e.id, e.origin]))).toEqual({ 'tt:kept': 0, 'tt:derived': roomOrigin('tiktok', 'someone') })
    })

    describe('bad input gets a clear 4xx JSON error and stores nothing', () => {
      const expectError = async (res: Response, status: number, pattern: RegExp) => {
        expect(res.status).toBe(status)
        const body = (await res.json()) as { success: boolean; status: number; message: string }
        expect(body.success).toBe(false)
        expect(body.status).toBe(status)
        expect(body.message).toMatch(pattern)
      }
      const countAll = async () => app.store.count()

      test('malformed JSON', async () => {
        const before = await countAll()
        await expectError(await upload('[{"type":"gift",'), 400, /Malformed JSON/)
        await expectError(await upload('{"a":1}\n{"b":'), 400, /Malformed NDJSON at line 2/)
        await expectError(await upload(''), 400, /Body is empty/)
        await expectError(await upload(new Uint8Array([0x1f, 0x8b, 1, 2, 3])), 400, /not valid gzip/)
        expect(await countAll()).toBe(before)
      })

      test('wrong field types, unknown type, missing room: all-or-nothing', async () => {
        const before = await countAll()
        const good = giftEvent(9000)
        await expectError(await upload(JSON.stringify([good, { ...giftEvent(9001), timestamp: 'yesterday' }])), 400, /event 1: timestamp: timestamp must be a number/)
        await expectError(await upload(JSON.stringify([good, { ...giftEvent(9002), type: 'explosion' }])), 400, /event 1: type: unknown event type "explosion"/)
        await expectError(await upload(JSON.stringify([{ ...giftEvent(9003), room: undefined, origin: undefined }])), 400, /a room is required/)
        await expectError(await upload(JSON.stringify([{ ...giftEvent(9004), id: '' }])), 400, /id must not be empty/)
        await expectError(await upload(JSON.stringify({ events: 'nope' })), 400, /not an array/)
        await expectError(await upload(JSON.stringify(42)), 400, /must be a JSON array/)
        expect(await countAll()).toBe(before)
      })

      test('a body over the limit, also when it is only that large after gunzip', async () => {
        const before = await countAll()
        const big = JSON.stringify(Array.from({ length: 5000 }, (_, i) => giftEvent(10_000 + i)))
        expect(big.length).toBeGreaterThan(1024 * 1024)
        await expectError(await upload(big), 413, /Body too large: the limit is 1048576 bytes/)
        const bomb = gzipSync(Buffer.alloc(5 * 1024 * 1024, 0x20))
        expect(bomb.length).toBeLessThan(1024 * 1024)
        await expectError(await upload(bomb), 413, /counted after gunzip/)
        expect(await countAll()).toBe(before)
      })

      test('missing or wrong keys; the keys never appear in answers', async () => {
        const noKey = await fetch(`${app.url}/upload`, { method: 'POST', body: '[]' })
        await expectError(noKey, 401, /Missing key: send Authorization: Bearer <UPLOAD_KEY>/)
        const wrong = await upload('[]', { authorization: 'Bearer nope' })
        const text = await wrong.clone().text()
        await expectError(wrong, 401, /Wrong key: the UPLOAD_KEY does not match/)
        expect(text).not.toContain(UPLOAD_KEY)
        await expectError(await get('/events/25034104', null), 401, /Missing key.*AUTH_KEY/)
        await expectError(await get('/events/25034104', 'bad'), 401, /Wrong key/)
        expect((await fetch(`${app.url}/events/25034104?token=${AUTH_KEY}`)).status).toBe(200)
        expect((await fetch(`${app.url}/info`, { headers: { authorization: AUTH_KEY } })).status).toBe(200) // bare key, as the LAPLACE fetcher accepts
      })

      test('unknown room forms and bad query values', async () => {
        await expectError(await get('/events/youtube:abc'), 400, /Unknown room form: .*unknown platform "youtube"/)
        await expectError(await get('/events/not-a-number'), 400, /not a Bilibili room id/)
        await expectError(await get('/events/25034104?limit=0'), 400, /Invalid request: limit/)
        await expectError(await get('/events/25034104?since=soon'), 400, /Invalid request: since/)
        await expectError(await get('/nowhere'), 404, /No route for GET \/nowhere/)
      })
    })

    test('fetchInfo() of @laplace.live/event-bridge-sdk reads the room list', async () => {
      const info = await fetchInfo({ url: app.url.replace('http', 'ws'), token: AUTH_KEY })
      expect(info).not.toBeNull()
      expect(info!.version).toMatch(/^\d+\.\d+\.\d+/)
      expect(info!.uptime).toMatch(/ago$|just now/)
      expect(info!.websocketBridge).toBe(false)
      // TikTok has no numeric room key: its roomId is derived from the room key, as its events' origin.
      expect(info!.rooms.map((r) => [r.roomId, r.status])).toEqual([[25034104, 0], [646454278948, 0], [roomOrigin('tiktok', 'someone'), 0]])
      expect(info!.rooms.map((r) => (r as unknown as { room: string }).room)).toEqual(['25034104', '646454278948', 'someone'])
      // Without the key the SDK gets nothing, as from a fetcher that refuses it.
      expect(await fetchInfo({ url: app.url.replace('http', 'ws') })).toBeNull()
    })
  })
}

describe('a dead database', () => {
  test('GET /ping answers 500: "unhealthy" without a key, naming the database with it', async () => {
    const t = await createTestDatabase()
    const app = await startTestApp({ DATABASE_URL: t.url, AUTH_KEY: 'dead-db-key' })
    try {
      await app.database.close()
      const res = await fetch(`${app.url}/ping`)
      expect(res.status).toBe(500)
      expect(await res.json()).toEqual({ success: false, status: 500, message: 'unhealthy' })
      const keyed = await fetch(`${app.url}/ping`, { headers: { authorization: 'Bearer dead-db-key' } })
      expect(keyed.status).toBe(500)
      const body = (await keyed.json()) as { success: boolean; message: string }
      expect(body.success).toBe(false)
      expect(body.message).toMatch(/^database unreachable: /)
    } finally {
      await app.stop().catch(() => {})
      await t.drop()
    }
  })
})
