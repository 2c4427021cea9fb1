import { gunzipSync } from 'node:zlib'
import { DEFAULT_PRICING } from '../../src/events'
import { decodePushFrame, decodeResponse } from '../../src/platforms/douyin/frame-codec'
import { createMessageStats, dispatchMessage } from '../../src/platforms/douyin/normalize/dispatch'
import type { GiftFacts } from '../../src/platforms/douyin/normalize/gift'
import { GiftComboTracker } from '../../src/platforms/douyin/normalize/gift-combo'
import { decodeFrame } from '../../src/platforms/tiktok/frame-codec'
import { createCounters, createNormalizer, GiftStreakTracker } from '../../src/platforms/tiktok/normalize'
import { compareRates, type Contender, type RateOptions, type RateResult } from '../lib/rate'
import { silentLog } from '../lib/silent-log'
import { douyinCorpus, tiktokCorpus, type ProtoCorpus } from './protobuf-corpus'
import { field, walkDeep, walkFlat, type RawField } from './wire-walker'

export interface ProtoDecodeResult {
  platform: 'douyin' | 'tiktok'
  messagesPerPass: number
  lef: RateResult
  generic: RateResult
  /** Events lef emitted per pass. */
  lefEventsPerPass: number
}

/**
 * Baseline: the same envelope path (push frame → gunzip → response → each message) with the
 * schema-less walker, then every inner payload decoded deep the same schema-less way.
 */
function genericContender(corpus: ProtoCorpus): Contender {
  return {
    name: 'generic protobuf decode (schema-less, decode_raw style)',
    run() {
      let messages = 0
      for (const bytes of corpus.frames) {
        const frame = walkFlat(bytes)
        const payload = field(frame, 8)?.value as Uint8Array
        for (const m of walkFlat(gunzipSync(payload))) {
          if (m.no !== 1) continue
          const msg = walkFlat(m.value as Uint8Array)
          walkDeep(field(msg, 2)?.value as Uint8Array)
          messages++
        }
      }
      return messages
    },
  }
}

function douyinLef(corpus: ProtoCorpus, events: { n: number }): Contender {
  return {
    name: 'lef douyin (typed decode + normalise)',
    run() {
      // Fresh per pass: the corpus repeats gifts, and combo tracking would fold the repeats.
      const ctx = {
        room: '646454278948', origin: 646454278948, pricing: DEFAULT_PRICING, anchorUid: '3789344204128560', anchorName: 'bench anchor',
        now: Date.now, emit: () => void events.n++, combos: new GiftComboTracker<GiftFacts>({ idleMs: 10_000 }), log: silentLog,
      }
      const stats = createMessageStats()
      let messages = 0
      events.n = 0
      for (const bytes of corpus.frames) {
        for (const msg of decodeResponse(decodePushFrame(bytes)).messages) {
          dispatchMessage(msg, ctx, stats)
          messages++
        }
      }
      return messages
    },
  }
}

function tiktokLef(corpus: ProtoCorpus, events: { n: number }): Contender {
  return {
    name: 'lef tiktok (typed decode + normalise)',
    run() {
      const normalizer = createNormalizer({
        ctx: { room: 'bench_host', coinUsd: 0.0105, now: Date.now },
        streaks: new GiftStreakTracker({ timeoutMs: 60_000, now: Date.now }),
        counters: createCounters(),
        log: silentLog,
      })
      let messages = 0
      events.n = 0
      for (const bytes of corpus.frames) {
        for (const msg of decodeFrame(bytes).result?.messages ?? []) {
          events.n += normalizer.handle(msg).events.length
          messages++
        }
      }
      return messages
    },
  }
}

export async function benchProtobufDecode(opts: RateOptions): Promise<ProtoDecodeResult[]> {
  const out: ProtoDecodeResult[] = []
  for (const platform of ['douyin', 'tiktok'] as const) {
    const corpus = platform === 'douyin' ? douyinCorpus() : tiktokCorpus()
    const events = { n: 0 }
    const lef = platform === 'douyin' ? douyinLef(corpus, events) : tiktokLef(corpus, events)
    const [lefRate, generic] = await compareRates([lef, genericContender(corpus)], opts)
    out.push({ platform, messagesPerPass: corpus.messagesPerPass, lef: lefRate!, generic: generic!, lefEventsPerPass: events.n })
  }
  return out
}

export type { RawField }
