import { readdirSync } from 'node:fs'
import { brotliCompressSync, deflateSync } from 'node:zlib'
import { encodePacket } from '../../src/platforms/bilibili/packet'
import { Operation, ProtocolVersion } from '../../src/platforms/bilibili/protocol'
import { fixturePath, readFixture } from '../../test/fixtures'

/** One whole WebSocket message as the server sends it, and how many op 5 messages it holds. */
export interface BilibiliFrame {
  name: string
  bytes: Buffer
  messages: number
}

// Already-decoded objects (no raw `pb`), not wire bodies: no decoder would see these upstream.
const NOT_WIRE_BODIES = new Set(['INTERACT_WORD_V2'])

/** Every real op 5 body in the blive-message-listener captures (one JSON object each). */
export function realBodies(): string[] {
  const root = fixturePath('bilibili', 'blive-message-listener')
  const out: string[] = []
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory() || NOT_WIRE_BODIES.has(dir.name)) continue
    for (const file of readdirSync(`${root}/${dir.name}`).sort()) {
      if (!file.endsWith('.json')) continue
      // Re-serialised compactly, as the server sends bodies.
      out.push(JSON.stringify(JSON.parse(readFixture('bilibili', 'blive-message-listener', dir.name, file).toString('utf8'))))
    }
  }
  return out
}

/**
 * The frames every decoder gets: the two whole captured messages (brotli, zlib; one DANMU_MSG
 * each), and all real captured bodies packed into one message the way the server batches them,
 * once brotli (the web default) and once zlib.
 */
export function bilibiliCorpus(): BilibiliFrame[] {
  const bodies = realBodies()
  const inner = Buffer.concat(bodies.map((b) => encodePacket(Operation.Message, b, ProtocolVersion.Normal, 0)))
  return [
    { name: 'captured brotli frame (laplace-live-ws)', bytes: readFixture('bilibili', 'laplace-live-ws', 'danmu_msg_protover3_brotli.bin'), messages: 1 },
    { name: 'captured zlib frame (laplace-live-ws)', bytes: readFixture('bilibili', 'laplace-live-ws', 'danmu_msg_protover2_zlib.bin'), messages: 1 },
    { name: `${bodies.length} captured bodies, one brotli frame`, bytes: Buffer.from(encodePacket(Operation.Message, brotliCompressSync(inner), ProtocolVersion.Brotli, 0)), messages: bodies.length },
    { name: `${bodies.length} captured bodies, one zlib frame`, bytes: Buffer.from(encodePacket(Operation.Message, deflateSync(inner), ProtocolVersion.Zlib, 0)), messages: bodies.length },
  ]
}
