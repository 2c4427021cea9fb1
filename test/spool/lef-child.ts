import { CONFIG_ENTRIES } from '../../src/config'
import { spawnLef as spawnLefProcess, type LefProcess } from '../support/lef-process'
import { waitFor } from '../support/wait-for'

export const BRIDGE_PASSWORD = 'bridge-pw-7'
const PRODUCER_PASSWORD = 'producer-pw-9'

/**
 * The environment that lets a producer in, and the password it must offer: the bridge password,
 * or the separate producer secret where this lef has one.
 */
export function producerAuth(): { env: Record<string, string>; password: string } {
  if ('WEBSOCKET_BRIDGE_PRODUCER_AUTH' in CONFIG_ENTRIES) {
    return { env: { WEBSOCKET_BRIDGE_AUTH: BRIDGE_PASSWORD, WEBSOCKET_BRIDGE_PRODUCER_AUTH: PRODUCER_PASSWORD }, password: PRODUCER_PASSWORD }
  }
  return { env: { WEBSOCKET_BRIDGE_AUTH: BRIDGE_PASSWORD }, password: BRIDGE_PASSWORD }
}

export interface LefChild {
  url: string
  wsUrl: string
  proc: LefProcess['proc']
  lines: string[]
  /** Parsed JSON log lines. */
  logged(): Array<Record<string, unknown>>
}

/** `bun src/index.ts` as a deployment runs it, its log lines collected. */
export function spawnLef(env: Record<string, string>): LefChild {
  const lef = spawnLefProcess(env)
  return {
    url: lef.url,
    wsUrl: `ws://127.0.0.1:${lef.port}/`,
    proc: lef.proc,
    lines: lef.lines,
    logged: () =>
      lef.lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>]
        } catch {
          return []
        }
      }),
  }
}

/** Resolves once /ping answers 200 (start-up complete: producers are let in). */
export async function untilReady(lef: LefChild, ms = 30_000): Promise<void> {
  await waitFor(async () => (await fetch(`${lef.url}/ping`).catch(() => undefined))?.status === 200, ms, 'lef ready')
}

/** A bridge consumer recording when each event id reached it. */
export async function witness(lef: LefChild): Promise<{ seen: Map<string, number>; close(): void }> {
  const ws = new WebSocket(lef.wsUrl, ['laplace-event-bridge-role-client', BRIDGE_PASSWORD])
  const seen = new Map<string, number>()
  const established = new Promise<void>((resolve, reject) => {
    ws.onerror = () => reject(new Error('witness could not connect'))
    ws.onmessage = (m) => {
      const frame = JSON.parse(String(m.data)) as { type?: string; id?: string }
      if (frame.type === 'established') return resolve()
      if (frame.id && !seen.has(frame.id)) seen.set(frame.id, Date.now())
    }
  })
  await established
  return { seen, close: () => ws.close() }
}

/**
 * A bridge producer sending `perMessage` events every `everyMs` until stopped. Acks come back
 * in order, so each `broadcast-success` acknowledges the oldest message not answered yet.
 */
export async function producer(lef: LefChild, prefix: string, opts: { perMessage: number; everyMs: number; paidEvery: number }) {
  const ws = new WebSocket(lef.wsUrl, ['laplace-event-bridge-role-server', producerAuth().password])
  const sent: string[][] = []
  const acked: string[] = []
  const notAcked: string[] = []
  let answered = 0
  await new Promise<void>((resolve, reject) => {
    ws.onerror = () => reject(new Error('producer could not connect'))
    ws.onmessage = (m) => {
      const frame = JSON.parse(String(m.data)) as { type?: string }
      if (frame.type === 'established') return resolve()
      if (frame.type === 'broadcast-success') acked.push(...(sent[answered++] ?? []))
      else if (frame.type === 'error') notAcked.push(...(sent[answered++] ?? []))
    }
  })
  let n = 0
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return
    const batch = Array.from({ length: opts.perMessage }, () => {
      const i = n++
      const paid = i % opts.paidEvery === 0
      return paid
        ? { type: 'gift', id: `${prefix}-${i}`, timestamp: Date.now(), origin: 25034104, uid: 1, username: 'u', price: 1000, priceNormalized: 1, coinType: 'gold', giftName: 'flower', giftAmount: 1 }
        : { type: 'message', id: `${prefix}-${i}`, timestamp: Date.now(), origin: 25034104, uid: 2, username: 'v', message: `hello ${i}` }
    })
    sent.push(batch.map((e) => e.id))
    ws.send(JSON.stringify(batch))
  }, opts.everyMs)
  return {
    sent: () => sent.flat(),
    acked,
    notAcked,
    stop() {
      clearInterval(timer)
    },
    close() {
      clearInterval(timer)
      ws.close()
    },
  }
}
