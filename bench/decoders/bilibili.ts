import { brotliDecompressSync, inflateSync } from 'node:zlib'
import { createCounters } from '../../src/platforms/bilibili/counters'
import { Normalizer } from '../../src/platforms/bilibili/normalize'
import { decodeMessage } from '../../src/platforms/bilibili/packet'
import { Operation, ProtocolVersion } from '../../src/platforms/bilibili/protocol'
import { compareRates, type Contender, type RateOptions, type RateResult } from '../lib/rate'
import { silentLog } from '../lib/silent-log'
import { bilibiliCorpus, type BilibiliFrame } from './bilibili-corpus'
import { bilibiliLiveWs, bliveMessageListener, tinyBilibiliWs } from './bilibili-peers'

export interface BilibiliDecodeResult {
  frames: BilibiliFrame[]
  lef: RateResult
  floor: RateResult
  peers: RateResult[]
  /** Events lef emitted per pass over the corpus (some cmds, e.g. COMBO_SEND, make none). */
  lefEventsPerPass: number
}

/** One pass over every frame: decode + normalise exactly as the connector does per message. */
function lefContender(frames: BilibiliFrame[]): { contender: Contender; eventsPerPass: () => number } {
  let events = 0
  const contender: Contender = {
    name: 'lef (decode + normalise to LaplaceEvent)',
    run() {
      // A fresh normaliser per pass: the corpus repeats, and its duplicate filter would
      // otherwise (rightly) drop every repeat and skip the handlers' work.
      const n = new Normalizer({ roomId: 21452505, anchorUid: 1437582453, counters: createCounters(), log: silentLog, now: Date.now, setLive: () => {} })
      let messages = 0
      events = 0
      for (const f of frames) {
        for (const p of decodeMessage(f.bytes)) {
          if (p.op !== Operation.Message) continue
          messages++
          events += n.fromBody(p.body).length
        }
      }
      return messages
    },
  }
  return { contender, eventsPerPass: () => events }
}

/** The floor: synchronous inflate of the outer body and JSON.parse of each inner packet, nothing else. */
function floorContender(frames: BilibiliFrame[]): Contender {
  const text = new TextDecoder()
  const walk = (buf: Uint8Array): number => {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
    let messages = 0
    for (let off = 0; off < buf.byteLength; ) {
      const len = view.getUint32(off)
      const ver = view.getUint16(off + 6)
      const body = buf.subarray(off + 16, off + len)
      if (ver === ProtocolVersion.Brotli) messages += walk(brotliDecompressSync(body))
      else if (ver === ProtocolVersion.Zlib) messages += walk(inflateSync(body))
      else if (view.getUint32(off + 8) === Operation.Message) {
        JSON.parse(text.decode(body))
        messages++
      }
      off += len
    }
    return messages
  }
  return {
    name: 'floor: sync inflate + JSON.parse',
    run: () => frames.reduce((n, f) => n + walk(f.bytes), 0),
  }
}

function asyncPass(name: string, frames: BilibiliFrame[], decode: (b: Buffer) => Promise<number>): Contender {
  return {
    name,
    async run() {
      let messages = 0
      for (const f of frames) messages += await decode(f.bytes)
      return messages
    },
  }
}

export async function benchBilibiliDecode(opts: RateOptions): Promise<BilibiliDecodeResult> {
  const frames = bilibiliCorpus()
  const lef = lefContender(frames)
  const blml = await bliveMessageListener()
  const contenders = [
    lef.contender,
    floorContender(frames),
    asyncPass('bilibili-live-ws 6.3 (makeDecoder)', frames, bilibiliLiveWs()),
    asyncPass('tiny-bilibili-ws 1.0 (deserialize)', frames, tinyBilibiliWs()),
    asyncPass('blive-message-listener 0.5 (deserialize + listenAll parsers)', frames, blml.decode),
  ]
  const [lefRate, floor, ...peers] = await compareRates(contenders, opts)
  return { frames, lef: lefRate!, floor: floor!, peers, lefEventsPerPass: lef.eventsPerPass() }
}
