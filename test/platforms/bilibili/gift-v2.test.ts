import { describe, expect, test } from 'bun:test'
import { create, toBinary } from '@bufbuild/protobuf'
import fc from 'fast-check'
import type { Gift } from '@laplace.live/event-types'
import { SendGiftV2Schema } from '../../../src/gen/bilibili/send_gift_v2_pb'
import { readFixture, readFixtureJson } from '../../fixtures'
import { makeNormalizer } from './normalize-helpers'

// No raw SEND_GIFT_V2 capture exists (fixtures SOURCES.md); build one from the documented fields.
function v2Message(opts: { switch?: boolean; tids?: string[] } = {}) {
  const msg = create(SendGiftV2Schema, {
    uid: 3493079520643315n,
    uname: '坚果_本人账号',
    face: 'https://i1.hdslb.com/bfs/face/x.jpg',
    guardLevel: 3,
    medalInfo: { targetId: 529813n, medalLevel: 3, medalName: '菠萝包' },
    blindGift: { originalGiftName: '心动盲盒', originalGiftPrice: 15000n },
    switch: opts.switch ?? true,
    giftList: (opts.tids ?? ['4658866727424159744', '4658866727424159745']).map((tid, i) => ({
      giftId: 32251 + i,
      giftName: i === 0 ? '冲鸭' : '爱心抱枕',
      num: 1,
      price: i === 0 ? 9900n : 16000n,
      totalCoin: 15000n,
      coinType: 'gold',
      tid,
      timestamp: 1773387065n,
      action: '投喂',
      giftInfo: { imgBasic: 'https://s1.hdslb.com/bfs/live/gift.png' },
    })),
  })
  return { cmd: 'SEND_GIFT_V2', data: { dmscore: 8, pb: Buffer.from(toBinary(SendGiftV2Schema, msg)).toString('base64') } }
}

describe('SEND_GIFT_V2 (protobuf)', () => {
  test('every item of gift_list is its own paid gift', () => {
    const { normalizer } = makeNormalizer()
    const out = normalizer.fromCommand(v2Message()) as Gift[]
    expect(out).toHaveLength(2)
    expect(out.map((g) => g.giftName)).toEqual(['冲鸭', '爱心抱枕'])
    expect(out.map((g) => g.priceNormalized)).toEqual([15, 15])
    expect(out[0]!.uid).toBe(3493079520643315)
    expect(out[0]!.id).toBe('gift:4658866727424159744')
    expect(out[0]!.medal).toMatchObject({ level: 3, name: '菠萝包', uid: 529813 })
    expect(out[0]!.blindGift?.original_gift_name).toBe('心动盲盒')
    expect(out[0]!.timestampNormalized).toBe(1773387065000)
  })

  test('switch=false broadcasts are skipped (the web client ignores them)', () => {
    const { normalizer, counters } = makeNormalizer()
    expect(normalizer.fromCommand(v2Message({ switch: false }))).toEqual([])
    expect(counters.ignored).toBe(1)
  })

  test('the same gift as SEND_GIFT and SEND_GIFT_V2 (same tid) counts once', () => {
    const { normalizer, counters } = makeNormalizer()
    const v1 = readFixtureJson<any>('bilibili', 'blive-message-listener', 'SEND_GIFT', '幸运之钥.json')
    v1.data.tid = '4658866727424159744'
    expect(normalizer.fromCommand(v1)).toHaveLength(1)
    expect(normalizer.fromCommand(v2Message({ tids: ['4658866727424159744'] }))).toHaveLength(0)
    expect(counters.duplicates).toBe(1)
  })

  test('fuzz: mutated SEND_GIFT_V2 and INTERACT_WORD_V2 payloads never escape the normaliser', () => {
    const gift = Buffer.from(v2Message().data.pb, 'base64')
    const interact = Buffer.from(readFixture('bilibili', 'qydysky-bili_danmu', 'interact_word_v2_pb.b64').toString('utf8').trim(), 'base64')
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (isGift, edits, cut) => {
          const src = Buffer.from(isGift ? gift : interact)
          for (const [pos, val] of edits) src[pos % src.length] = val
          const bytes = src.subarray(0, 1 + (cut % src.length))
          const { normalizer, counters } = makeNormalizer()
          const out = normalizer.fromCommand({ cmd: isGift ? 'SEND_GIFT_V2' : 'INTERACT_WORD_V2', data: { pb: bytes.toString('base64') } })
          // either decoded into well-formed events, or counted as a handler error / skip
          for (const e of out) expect(typeof e.id).toBe('string')
          expect(out.length + counters.handlerErrors.size + counters.ignored).toBeGreaterThan(0)
        },
      ),
      { numRuns: 300 },
    )
  })
})
