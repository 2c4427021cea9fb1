import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { makeDecoder } from 'bilibili-live-ws/src/buffer'
import { inflates } from 'bilibili-live-ws/src/inflate/node'
import { deserialize, EventEmitter } from 'tiny-bilibili-ws'

/**
 * Each peer's own decode path, called on the same bytes lef gets. All three decompress with
 * node:zlib's callback API (the thread pool), so their decode is async by design.
 */

type PeerPacket = { meta?: { op: number }; type?: string; data?: unknown }

/** bilibili-live-ws: `makeDecoder(inflates)` is what its LiveWS/LiveTCP run on each message. */
export function bilibiliLiveWs(): (bytes: Buffer) => Promise<number> {
  const decode = makeDecoder(inflates) as (b: Buffer) => Promise<PeerPacket[]>
  return async (bytes) => (await decode(bytes)).filter((p) => p.type === 'message').length
}

/** tiny-bilibili-ws: its exported `deserialize` (header parse, inflate, JSON.parse). */
export function tinyBilibiliWs(): (bytes: Uint8Array) => Promise<number> {
  return async (bytes) => (await deserialize(bytes)).filter((p: PeerPacket) => p.meta?.op === 5).length
}

const CONNECTION_HANDLERS = new Set(['onOpen', 'onClose', 'onStartListen'])

/**
 * blive-message-listener: tiny-bilibili-ws's deserialize, then the cmd dispatch its socket class
 * does, into blive-message-listener's own `listenAll` parsers (its normaliser) with a handler
 * for every message type. `listenAll` is not in the package's export map, so it is loaded from
 * the package's dist chunk directly.
 */
export async function bliveMessageListener(): Promise<{ decode: (bytes: Uint8Array) => Promise<number>; handled: () => number }> {
  const dist = dirname(Bun.resolveSync('blive-message-listener', import.meta.dir))
  const chunk = readdirSync(dist).find((f) => f.startsWith('chunk-') && f.endsWith('.js'))
  if (!chunk) throw new Error(`blive-message-listener: no dist chunk in ${dist}`)
  const mod = (await import(join(dist, chunk))) as { listenAll?: (instance: unknown, roomId: number, handler: object) => void }
  if (!mod.listenAll) throw new Error('blive-message-listener: listenAll not found in its dist chunk')
  let handled = 0
  const count = () => {
    handled++
  }
  const handler = new Proxy({}, {
    get: (_t, key) => (typeof key === 'string' && key.startsWith('on') && !CONNECTION_HANDLERS.has(key) ? count : undefined),
    has: (_t, key) => typeof key === 'string' && key.startsWith('on') && !CONNECTION_HANDLERS.has(key),
  })
  const instance = new EventEmitter()
  mod.listenAll(instance, 0, handler)
  const decode = async (bytes: Uint8Array): Promise<number> => {
    let messages = 0
    for (const p of (await deserialize(bytes)) as Array<{ meta: { op: number }; data: { cmd?: string; msg?: { cmd?: string } } }>) {
      if (p.meta.op !== 5) continue
      messages++
      // The dispatch tiny-bilibili-ws's KeepLive class does for each op 5 packet.
      const cmd = p.data?.cmd || p.data?.msg?.cmd || ''
      instance.emit(cmd.includes('DANMU_MSG') ? 'DANMU_MSG' : cmd, p)
    }
    return messages
  }
  return { decode, handled: () => handled }
}
