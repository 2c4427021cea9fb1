import type { BenchContext, ScenarioResult } from '../lib/result'
import { benchBilibiliDecode } from './bilibili'
import { benchProtobufDecode } from './protobuf'

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Scenario 1: decoders on real captured frames, lef against the peers and the floor. */
export async function decodersScenario(ctx: BenchContext): Promise<Omit<ScenarioResult, 'seconds'>> {
  const opts = ctx.quick ? { rounds: 1, roundMs: 60, warmupMs: 30 } : { rounds: 5, roundMs: 1_000, warmupMs: 1_000 }
  ctx.log('decoders: bilibili (lef, floor, 3 peers)')
  const b = await benchBilibiliDecode(opts)
  const fastest = b.peers.reduce((best, p) => (p.perSecond > best.perSecond ? p : best))
  ctx.log('decoders: douyin, tiktok (lef vs generic protobuf)')
  const proto = await benchProtobufDecode(opts)

  const rows: Array<Array<string | number>> = [
    ['bilibili', b.lef.name, fmt(b.lef.perSecond), (b.lef.perSecond / fastest.perSecond).toFixed(2)],
    ['bilibili', b.floor.name, fmt(b.floor.perSecond), (b.floor.perSecond / fastest.perSecond).toFixed(2)],
    ...b.peers.map((p) => ['bilibili', p.name, fmt(p.perSecond), (p.perSecond / fastest.perSecond).toFixed(2)]),
    ...proto.flatMap((p) => [
      [p.platform, p.lef.name, fmt(p.lef.perSecond), (p.lef.perSecond / p.generic.perSecond).toFixed(2)],
      [p.platform, p.generic.name, fmt(p.generic.perSecond), '1.00'],
    ]),
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
    table: { columns: ['platform', 'decoder', 'messages/s (best round)', 'ratio'], rows },
    notes: [
      `Bilibili corpus per pass: ${b.frames.map((f) => `${f.name} (${f.bytes.byteLength} B, ${f.messages} msg)`).join('; ')}; lef emits ${b.lefEventsPerPass} events per pass: the zlib frame carries the same bodies as the brotli one, so its events are dropped as duplicates after the handlers have run, and some cmds (COMBO_SEND, GUARD_BUY, …) are deliberately no event.`,
      'Bilibili ratio column: against the fastest peer. Douyin/TikTok ratio column: against the generic decode of the same bytes.',
      'Peers are called through their own decode functions on the same bytes: bilibili-live-ws `makeDecoder(inflates)`, tiny-bilibili-ws `deserialize`, blive-message-listener = tiny-bilibili-ws `deserialize` + its own `listenAll` parsers with a handler for every type. All three decompress with node:zlib callbacks (async, thread pool), as they do in production.',
      '@laplace.live/ws is not published on npm, so it cannot be installed or measured here.',
      `Douyin: ${proto[0]?.messagesPerPass} messages per pass (real opedium payloads of the 9 mapped methods in 20 gzip'd frames); TikTok: ${proto[1]?.messagesPerPass} messages per pass (every real events-collector payload of a mapped method, 20 per gzip'd frame). No whole captured frame exists publicly, so the envelopes are built per the protocol docs. Neither platform has an installable JavaScript peer decoder among the dev dependencies, hence the generic-decode baseline.`,
      `Why lef is not 2× the fastest peer: the floor (decompress + JSON.parse, nothing else, synchronous) runs at ${(b.floor.perSecond / fastest.perSecond).toFixed(2)}× the fastest peer in this run, and every decoder must do at least that work on these bytes; lef reaches ${((b.lef.perSecond / b.floor.perSecond) * 100).toFixed(0)}% of the floor. A CPU profile of lef's decode + normalise on this corpus (bun --cpu-prof, 2026-11-22) put JSON.parse at 34% (the body, plus the JSON strings nested inside DANMU_MSG), brotli/zlib at ~25% (the native inflate plus node:zlib building a stream object per call), TextDecoder 6%, SHA-1 of fallback event ids 10%; the handlers themselves are a few percent.`,
      'Read the peer ratio with care: the peers inflate on libuv\'s thread pool and await each frame, so their rate depends on how quickly a worker thread and the main thread hand over, which varies with what else the machine is doing. In four earlier full runs on this shared 2-core machine on 2026-11-22 the fastest peer measured between ~88k and ~146k messages/s, while lef (127k–156k) and the floor (202k–231k) moved less; lef was 0.90–1.78× the fastest peer across those runs, and 0.58–0.67× the floor, the steadier figure.',
      `Each figure is the best of ${opts.rounds} interleaved rounds of ${opts.roundMs} ms after a ${opts.warmupMs} ms warm-up.`,
    ],
  }
}
