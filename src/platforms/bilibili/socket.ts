import type { Logger } from 'pino'
import WebSocket from 'ws'
import { ConnectorError, type SessionEnd } from '../connector'
import type { BilibiliCounters } from './counters'
import { decodeMessage, encodePacket, PacketError, readPopularity } from './packet'
import { rawDataBytes, type SlicedQueue, socketLane } from '../sliced-queue'
import { type AuthBody, AuthReplyCode, Operation } from './protocol'

export interface SocketOptions {
  url: string
  headers: Record<string, string>
  auth: AuthBody
  heartbeatIntervalMs: number
  /** How long to wait for the op 8 auth reply before giving up. */
  authTimeoutMs: number
  signal: AbortSignal
  log: Logger
  counters: BilibiliCounters
  /** Any frame arrived (feeds the supervisor's idle watchdog). */
  onFrame(): void
  /** The server accepted the auth packet. */
  onAuthed(): void
  /** An op 5 message body (JSON bytes). */
  onMessage(body: Uint8Array): void
  /** Where the socket's callbacks run, in order and in time slices (see SlicedQueue). */
  lane: SlicedQueue
}

/**
 * Run one danmaku WebSocket: send auth on open, heartbeat after the auth reply, hand every
 * op 5 body to `onMessage`. Resolves when the socket closes or the signal aborts; rejects with
 * ConnectorError when it cannot connect or auth is refused.
 */
export function runSocket(o: SocketOptions): Promise<SessionEnd> {
  if (o.signal.aborted) return Promise.resolve({ kind: 'aborted' })
  let ws: WebSocket
  try {
    ws = new WebSocket(o.url, { headers: o.headers })
  } catch (err) {
    return Promise.reject(new ConnectorError('NETWORK', `cannot open danmaku socket ${hostOf(o.url)}: ${(err as Error).message}`, undefined, { cause: err }))
  }
  ws.binaryType = 'nodebuffer'
  return new Promise<SessionEnd>((resolve, reject) => {
    let authed = false
    let settled = false
    let heartbeat: ReturnType<typeof setInterval> | undefined

    // Every callback goes through the lane, so none overtakes a frame that arrived before it.
    const run = socketLane(o.lane, () => !settled, (err) => o.log.error({ err }, 'bilibili: socket callback failed'))
    const later = (fn: () => void) => () => run(fn)
    const authTimer = setTimeout(later(() => fail(new ConnectorError('PROTOCOL', `no auth reply within ${o.authTimeoutMs} ms`))), o.authTimeoutMs)

    const cleanup = () => {
      clearTimeout(authTimer)
      if (heartbeat) clearInterval(heartbeat)
      o.signal.removeEventListener('abort', onAbort)
    }
    const finish = (end: SessionEnd) => {
      if (settled) return
      settled = true
      cleanup()
      resolve(end)
    }
    const fail = (err: Error) => {
      if (settled) return
      settled = true
      cleanup()
      closeQuietly(ws)
      reject(err)
    }
    const onAbort = later(() => {
      closeQuietly(ws)
      finish({ kind: 'aborted' })
    })
    o.signal.addEventListener('abort', onAbort, { once: true })

    const sendHeartbeat = () => {
      if (ws.readyState === WebSocket.OPEN) ws.send(encodePacket(Operation.Heartbeat))
    }

    ws.on('open', () => {
      // Must reach the server within 5 s of connecting.
      ws.send(encodePacket(Operation.Auth, JSON.stringify(o.auth)))
    })

    ws.on('message', (data: WebSocket.RawData) => {
      // Alive as soon as it arrives: the idle watchdog must not blame a queued frame.
      if (!settled) o.onFrame()
      run(() => onData(data), rawDataBytes(data))
    })

    const onData = (data: WebSocket.RawData) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data
      let packets
      try {
        packets = decodeMessage(buf)
      } catch (err) {
        // Anything thrown here would escape into the ws event loop: count and skip instead.
        o.counters.badFrames++
        const kind = err instanceof PacketError ? 'undecodable' : 'unexpected error on'
        o.log.warn({ err: (err as Error).message, bytes: buf.byteLength }, `bilibili: ${kind} frame skipped`)
        return
      }
      for (const p of packets) {
        if (settled) return
        if (p.op === Operation.Message) {
          o.onMessage(p.body)
        } else if (p.op === Operation.AuthReply) {
          const code = authCode(p.body)
          if (code !== AuthReplyCode.Ok) {
            return fail(new ConnectorError('AUTH', `auth refused with code ${code}${code === AuthReplyCode.TokenError ? ' (token error)' : ''}`))
          }
          authed = true
          clearTimeout(authTimer)
          o.onAuthed()
          // blivedm sends one right away, then on the interval.
          sendHeartbeat()
          heartbeat = setInterval(sendHeartbeat, o.heartbeatIntervalMs)
        } else if (p.op === Operation.HeartbeatReply) {
          try {
            o.log.trace({ popularity: readPopularity(p.body) }, 'bilibili: heartbeat reply')
          } catch {
            // a short body is harmless: the reply itself is what keeps us alive
          }
        }
      }
    }

    ws.on('error', (err: Error) => run(() => {
      if (!authed) fail(new ConnectorError('NETWORK', `danmaku socket ${hostOf(o.url)}: ${err.message}`, undefined, { cause: err }))
      else o.log.warn({ err: err.message }, 'bilibili: socket error')
    }))

    ws.on('close', (code: number, reason: Buffer) => run(() => {
      const why = `socket closed (${code}${reason.length ? ` ${reason.toString('utf8')}` : ''})`
      if (!authed) return fail(new ConnectorError('NETWORK', `${why} before the auth reply`))
      finish({ kind: 'closed', reason: why })
    }))
  })
}

function authCode(body: Uint8Array): number {
  try {
    const j = JSON.parse(new TextDecoder().decode(body)) as { code?: unknown }
    return typeof j.code === 'number' ? j.code : Number.NaN
  } catch {
    return Number.NaN
  }
}

function closeQuietly(ws: WebSocket): void {
  try {
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate()
    else ws.close()
  } catch {
    // already closed
  }
}

/** Host only: the URL carries no secret, but keep logs short. */
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'socket'
  }
}
