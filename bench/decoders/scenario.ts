import type { RateResult } from '../lib/rate'
import type { BenchContext, ScenarioResult } from '../lib/result'
import { benchBilibiliDecode } from './bilibili'
import { benchProtobufDecode } from './protobuf'

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Scenario 1: decoders on real captured frames, lef against the peers and the floor. */
export async function decodersScenario(ctx: BenchContext): Promise<Omit<ScenarioResult, 'seconds'>> {
  const opts = ctx.quick ? { rounds: 1, roundMs: 60, warmupMs: 30 } : { rounds: 7, roundMs: 1_000, warmupMs: 1_000 }
  ctx.log('decoders: bilibili (lef, floor, 3 peers)')
  const b = await benchBilibiliDecode(opts)
  const fastest = b.peers.reduce((best, p) => (p.perSecond > best.perSecond ? p : best))
  const fastestMedian = b.peers.reduce((best, p) => (p.median > best.median ? p : best))
  ctx.log('decoders: douyin, tiktok (lef vs generic protobuf)')
  const proto = await benchProtobufDecode(opts)

  const row = (platform: string, r: RateResult, base: RateResult) => [platform, r.name, fmt(r.perSecond), fmt(r.median), (r.perSecond / base.perSecond).toFixed(2), (r.median / base.median).toFixed(2)]
  const rows: Array<Array<string | number>> = [
    row('bilibili', b.lef, fastest),
    row('bilibili', b.floor, fastest),
    ...b.peers.map((p) => row('bilibili', p, fastest)),
    ...proto.flatMap((p) => [row(p.platform, p.lef, p.generic), row(p.platform, p.generic, p.generic)]),
  ]
  return {
    id: 'decoders',
    title: 'Decoders on real captured frames',
    figures: [
      {
        name: 'bilibili: lef decode + normalise',
        value: b.lef.perSecond,
        unit: 'messages/s',
        baseline: { name: `fastest peer (${fastest.name})`, value: fastest.perSecond, unit: 'messages/s' },
        ratio: b.lef.perSecond / fastest.perSecond,
        ratioMeaning: '× the fastest peer',
        target: '≥ 2× the fastest peer',
        met: b.lef.perSecond >= 2 * fastest.perSecond,
      },
      {
        name: 'bilibili: lef decode + normalise, median rounds',
        value: b.lef.median,
        unit: 'messages/s',
        baseline: { name: `fastest peer by median (${fastestMedian.name})`, value: fastestMedian.median, unit: 'messages/s' },
        ratio: b.lef.median / fastestMedian.median,
        ratioMeaning: '× the fastest peer',
      },
      {
        name: 'bilibili: floor (sync inflate + JSON.parse only)',
        value: b.floor.perSecond,
        unit: 'messages/s',
        baseline: { name: `fastest peer (${fastest.name})`, value: fastest.perSecond, unit: 'messages/s' },
        ratio: b.floor.perSecond / fastest.perSecond,
        ratioMeaning: '× the fastest peer',
      },
      {
        name: 'bilibili: lef against the floor',
        value: b.lef.perSecond,
        unit: 'messages/s',
        baseline: { name: 'floor', value: b.floor.perSecond, unit: 'messages/s' },
        ratio: b.lef.perSecond / b.floor.perSecond,
        ratioMeaning: '× the floor',
      },
      ...proto.map((p) => ({
        name: `${p.platform}: lef decode + normalise`,
        value: p.lef.perSecond,
        unit: 'messages/s',
        baseline: { name: 'generic protobuf decode', value: p.generic.perSecond, unit: 'messages/s' },
        ratio: p.lef.perSecond / p.generic.perSecond,
        ratioMeaning: '× the generic decode',
      })),
    ],
    table: { columns: ['platform', 'decoder', 'messages/s (best round)', 'messages/s (median round)', 'ratio (best)', 'ratio (median)'], rows },
    notes: [
      `Bilibili corpus per pass: ${b.frames.map((f) => `${f.name} (${f.bytes.byteLength} B, ${f.messages} msg)`).join('; ')}; lef emits ${b.lefEventsPerPass} events per pass: the zlib frame carries the same bodies as the brotli one, so its events are dropped as duplicates after the handlers have run, and some cmds (COMBO_SEND, GUARD_BUY, …) are deliberately no event.`,
      'Bilibili ratio columns: against the fastest peer, best round against best round and median round against median round. Douyin/TikTok ratio columns: against the generic decode of the same bytes.',
      'Peers are called through their own decode functions on the same bytes: bilibili-live-ws `makeDecoder(inflates)`, tiny-bilibili-ws `deserialize`, blive-message-listener = tiny-bilibili-ws `deserialize` + its own `listenAll` parsers with a handler for every type. All three decompress with node:zlib callbacks (async, thread pool), as they do in production.',
      '@laplace.live/ws is not published on npm, so it cannot be installed or measured here.',
      `Douyin: ${proto[0]?.messagesPerPass} messages per pass (real opedium payloads of the 9 mapped methods in 20 gzip'd frames); TikTok: ${proto[1]?.messagesPerPass} messages per pass (every real events-collector payload of a mapped method, 20 per gzip'd frame). No whole captured frame exists publicly, so the envelopes are built per the protocol docs. Neither platform has an installable JavaScript peer decoder among the dev dependencies, hence the generic-decode baseline.`,
      `Where lef's time goes: the floor (decompress + JSON.parse, nothing else, synchronous) runs at ${(b.floor.perSecond / fastest.perSecond).toFixed(2)}× the fastest peer in this run, and lef at ${((b.lef.perSecond / b.floor.perSecond) * 100).toFixed(0)}% of the floor.${b.floor.perSecond < 2 * fastest.perSecond ? ' The 2× target lies above the floor in this run: a decoder that decompresses and parses every body, as every event needs, cannot reach it on this machine today; only one that skips parsing could.' : ''} Timers around each stage of lef's loop on this corpus (2026-11-22) put decompression at ~35% of lef's time, TextDecoder ~7%, JSON.parse of the bodies ~32% and the normaliser ~25% (the handlers, the JSON.parse of DANMU_MSG's nested extra, SHA-1 fallback ids, the duplicate filter); lef's own decode + TextDecoder + JSON.parse without the normaliser ran at ~1.08× the floor. 28 of the 30 bodies have a handler, so they are decoded and parsed in full, the floor's work, and the normaliser comes on top: on this corpus lef cannot do much less than the floor, and whether it is 2× the fastest peer depends mostly on how fast the peers run in that run.`,
      "Changes from that profile (2026-11-22): zlib bodies go through Bun.inflateSync (zlib, windowBits 15, so zlib checks the header and the adler32) instead of node:zlib's stream object per call, 21 µs against 28 µs for a 24 kB batch; bodies whose 1032:1 deflate bound exceeds the output limit still go through node:zlib with its cap (Bun's libdeflate option measured 37 µs, slower). Brotli output comes in one 32 KiB chunk (~8% less brotli time); node:zlib adds little around brotli itself (the system libbrotlidec called once through FFI was only ~7% faster). Cmds with no handler (ignored or unknown) are counted from the body's leading {\"cmd\":\"…\" bytes without TextDecoder or JSON.parse (2 of the 30 bodies here). SHA-1 ids via Bun.SHA1.hash (same ids). Measured and dropped: Buffer#toString or utf8Slice instead of TextDecoder (no faster); Bun.JSONL.parse on the bytes (slower); one JSON.parse of all bodies as an array (~10% less parse time, but one broken body could change how its neighbours are counted); a JavaScript scanner reading only the fields a handler needs (walking the structure alone took 58% of TextDecoder + JSON.parse).",
      "Normaliser profile (bun --cpu-prof of lef's loop on this corpus, 2026-11-22, after the changes above): JSON.parse ~35% of lef's time (bodies and DANMU_MSG's extra), brotli ~15%, inflate ~10%, TextDecoder ~7%, the normaliser ~20%: of lef's time, the JSON.parse of DANMU_MSG's extra ~5%, SHA-1 fallback ids ~4–5% (none of this corpus's danmaku bodies carries id_str), the duplicate filter ~3.5%, the leading-cmd read ~2%, the `...base(ctx)` spreads ~1%. Changed: handlers write origin/originIdx/read into each event literal instead of spreading them, and the duplicate filter does one Set lookup per id instead of two (same events, fields, key order, counters and log lines on ~7,000 bodies; lef +3–4% against the previous code in the same process; three decoder-only runs: lef 127k–133k best, 0.69–0.71× the floor). Measured and dropped: reading DANMU_MSG's extra with a JavaScript scanner that checks the JSON grammar and JSON.parses only the five values the handler uses (2.8 µs against 0.55 µs for JSON.parse of a ~450-character extra); skipping that parse when none of the five key names occurs in the extra (exact, and it would skip every parse on this corpus, whose extras predate id_str, but live danmaku carry id_str since ~2024, so it would only flatter this benchmark); SHA-1 into a reused buffer with a 10-byte hex read (no faster: hashing the joined string's UTF-8 bytes dominates); a native latin1 slice for the leading cmd (~0.02 µs per body).",
      'Not done on purpose: the zlib frame repeats the brotli frame\'s bodies, so recognising repeated raw bodies before parsing would let lef skip about half its parsing here; live traffic does not repeat bodies, so it would only flatter this benchmark.',
      'Read the peer ratio with care: the peers inflate on libuv\'s thread pool and await each frame, so their rate depends on how quickly a worker thread and the main thread hand over, which varies with what else the machine is doing. In four earlier full runs on this shared 2-core machine on 2026-11-22 the fastest peer measured between ~88k and ~146k messages/s, while lef (127k–156k) and the floor (202k–231k) moved less; lef was 0.90–1.78× the fastest peer across those runs, and 0.58–0.67× the floor, the steadier figure. In three decoder-only runs after the changes above (same day, another benchmark sharing the machine) the fastest peer measured 55k–58k, lef 127k–133k (2.22–2.35×) and the floor 183k–194k; lef was 0.69× the floor in all three. Three more after the normaliser changes (same day): fastest peer 57k–58k best (53k–55k median), lef 127k–133k best (2.21–2.31×; 126k–129k median, 2.27–2.42×), floor 181k–190k, lef 0.69–0.71× the floor.',
      `Each figure is the best of ${opts.rounds} interleaved rounds of ${opts.roundMs} ms after a ${opts.warmupMs} ms warm-up; the median columns and the median figure use the middle round of the same ${opts.rounds}, which moves less than the best when a contender's rate swings.`,
    ],
  }
}
