import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  createNativeSigner,
  openSignature,
  signatureFromStub,
  signatureMatchesStub,
  stubDigestTail,
  stubParams,
  xMsStub,
} from '../../../src/platforms/douyin/sign'
import { createSignServerSigner } from '../../../src/platforms/douyin/sign-server'
import { ConnectorError } from '../../../src/platforms/connector'

// Vectors from docs/protocols/douyin.md §2.
const JS_STUB = '704f436b2558b0d7a1c7e758527dd8f1'
const REAL = { roomId: '7582343743018240819', userUniqueId: '7933647045325288086', sdkVersion: '1.0.14-beta.0', versionCode: '180800' }

describe('douyin push signature', () => {
  test('the stub parameter string has the fixed order and keys', () => {
    expect(stubParams(REAL)).toBe(
      'live_id=1,aid=6383,version_code=180800,webcast_sdk_version=1.0.14-beta.0,room_id=7582343743018240819,sub_room_id=,sub_channel_id=,did_rule=3,user_unique_id=7933647045325288086,device_platform=web,device_type=,ac=,identity=audience',
    )
    expect(xMsStub(REAL)).toBe('439d5e9e647308d279c2859b1d9b9a96')
  })

  test('the doc vectors decode to their stub bytes with a valid checksum', () => {
    expect(openSignature('6pt0VC0aRZDP7n07')).toEqual({ counter: 1, digestTail: [0x88, 0xe1], checksumOk: true })
    expect(openSignature('fD+evFuzasjOC8Uu')).toEqual({ counter: 0, digestTail: [0x88, 0xe1], checksumOk: true })
    expect(stubDigestTail(JS_STUB)).toEqual([0x88, 0xe1])
    // The real-world one (biliup#1567) carries D[14..15] = bc c2 of its room's stub.
    expect(stubDigestTail(xMsStub(REAL))).toEqual([0xbc, 0xc2])
    expect(signatureMatchesStub('fgShHADGkhTrS2Oh', xMsStub(REAL))).toBe(true)
    expect(signatureMatchesStub('fgShHADGkhTrS2Oh', JS_STUB)).toBe(false)
  })

  test('our encoder reproduces all three vectors byte for byte given their random bytes', () => {
    expect(signatureFromStub(JS_STUB, 1, { salt: 0x10, key: 63, filler: 0x3f })).toBe('6pt0VC0aRZDP7n07')
    expect(signatureFromStub(JS_STUB, 0, { salt: 0x00, key: 6, filler: 0x00 })).toBe('fD+evFuzasjOC8Uu')
    expect(signatureFromStub(xMsStub(REAL), 1, { salt: 0x00, key: 79, filler: 0x2b })).toBe('fgShHADGkhTrS2Oh')
  })

  test('the native signer counts 1, 2, … and always matches its stub', async () => {
    const signer = createNativeSigner(() => 0.5)
    const a = await signer.sign(REAL)
    const b = await signer.sign(REAL)
    expect(a).toHaveLength(16)
    expect(openSignature(a)?.counter).toBe(1)
    expect(openSignature(b)?.counter).toBe(2)
    expect(signatureMatchesStub(a, xMsStub(REAL))).toBe(true)
  })

  test('property: any stub and random bytes give a 16-char signature that opens to it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(255), fc.nat(254), fc.nat(255), fc.nat(63), (raw, salt, key, filler, counter) => {
        const stub = Buffer.from(raw).toString('hex')
        const sig = signatureFromStub(stub, counter, { salt, key, filler })
        expect(sig).toMatch(/^[A-Za-z0-9+/]{16}$/)
        expect(signatureMatchesStub(sig, stub)).toBe(true)
        expect(openSignature(sig)?.counter).toBe(counter)
      }),
      { numRuns: 300 },
    )
  })

  test('openSignature rejects garbage cleanly', () => {
    fc.assert(fc.property(fc.string({ maxLength: 24 }), (s) => {
      const r = openSignature(s)
      expect(r === null || typeof r.checksumOk === 'boolean').toBe(true)
    }))
    expect(openSignature('short')).toBeNull()
    expect(openSignature('================')).toBeNull()
  })
})

describe('sign server signer (HTTP contract)', () => {
  test('POSTs the input and the stub, returns the signature', async () => {
    const seen: unknown[] = []
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      async fetch(req) {
        seen.push(await req.json())
        return Response.json({ signature: 'fromTheServer123' })
      },
    })
    try {
      const signer = createSignServerSigner({ url: `http://127.0.0.1:${server.port}/sign` })
      expect(signer.kind).toBe('sign-server')
      expect(await signer.sign(REAL)).toBe('fromTheServer123')
      expect(seen).toEqual([{ ...REAL, xMsStub: '439d5e9e647308d279c2859b1d9b9a96' }])
    } finally {
      await server.stop(true)
    }
  })

  test('429 → RATE_LIMITED with retry-after; bad answers → clean errors', async () => {
    let mode = 0
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch() {
        if (mode === 0) return new Response('slow down', { status: 429, headers: { 'retry-after': '7' } })
        if (mode === 1) return new Response('oops', { status: 500 })
        return new Response('not json')
      },
    })
    try {
      const signer = createSignServerSigner({ url: `http://127.0.0.1:${server.port}/` })
      const err = await signer.sign(REAL).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConnectorError)
      expect((err as ConnectorError).code).toBe('RATE_LIMITED')
      expect((err as ConnectorError).retryAfterMs).toBe(7000)
      mode = 1
      expect(((await signer.sign(REAL).catch((e: unknown) => e)) as ConnectorError).code).toBe('UPSTREAM')
      mode = 2
      expect(((await signer.sign(REAL).catch((e: unknown) => e)) as ConnectorError).code).toBe('PROTOCOL')
    } finally {
      await server.stop(true)
    }
  })
})
