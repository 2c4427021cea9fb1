import type { Logger } from 'pino'
import WebSocket from 'ws'
import { rawDataBytes, type SlicedQueue, socketLane } from '../sliced-queue'
import type { ProtoMessageFetchResult } from '../../gen/tiktok/push_pb'
import { ConnectorError } from '../connector'
import { decodeFrame, encodeAck, encodeEnterRoom, encodeHeartbeat, TikTokFrameError } from './frame-codec'
import { startHeartbeat, type IntervalTimers } from './heartbeat'
import { PayloadType } from './protocol'

/** Transport counters, shared by a connector's sessions (metrics, tests). */
export interface TransportCounters {
  frames: number
  badFrames: number
  acksSent: number
  heartbeatsSent: number
}

export function createTransportCounters(): TransportCounters {
  return { frames: 0, badFrames: 0, acksSent: 0, heartbeatsSent: 0 }
}

export interface PushSocketOptions {
  url: string
  roomId: string
  cursor: string
  cookieHeader: string
  userAgent: string
  heartbeatIntervalMs: number
  signal: AbortSignal
  log: Logger
  counters: TransportCounters
  timers?: IntervalTimers
  /** The socket is open and the room entered. */
  onOpen(): void
  /** Any frame arrived (feeds the idle watchdog). */
  onFrame(): void
  /** Where the socket's callbacks run, in order and in time slices (see SlicedQueue). */
  lane: SlicedQueue
  /** A decoded batch. Return true to stop: the live ended. */
  onResult(result: ProtoMessageFetchResult): boolean
}

export type PushSocketEnd = { kind: 'closed'; reason: string } | { kind: 'stream-ended' } | { kind: 'aborted' }

/** Random 63-bit enter id, as a decimal string. */
function enterUniqueId(): string {
  const b = crypto.getRandomValues(new BigUint64Array(1))[0] ?? 1n
  return (b >> 1n).toString()
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return data
}

/**
 * One push WebSocket: enter the room on open, heartbeat, ack frames whose result asks for it,
 * hand each decoded batch to `onResult`. Resolves with how it ended; rejects with
 * ConnectorError when the handshake is refused (`DEVICE_BLOCKED`) or the socket never opens.
 */
export function runPushSocket(opts: PushSocketOptions): Promise<PushSocketEnd> {
  const { log, counters } = opts
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return resolve({ kind: 'aborted' })
    let settled = false
    let opened = false
    let stopHeartbeat: (() => void) | undefined
    let ws: WebSocket
    try {
      ws = new WebSocket(opts.url, {
        headers: { Cookie: opts.cookieHeader, 'User-Agent': opts.userAgent },
        perMessageDeflate: false,
        handshakeTimeout: 20_000,
      })
    } catch (err) {
      // The push server URL came from the signer: a bad one is its protocol error.
      return reject(new ConnectorError('PROTOCOL', `unusable push server URL: ${(err as Error).message}`, undefined, { cause: err }))
    }
    ws.binaryType = 'nodebuffer'

    const finish = (end: PushSocketEnd | Error) => {
      if (settled) return
      settled = true
      stopHeartbeat?.()
      opts.signal.removeEventListener('abort', onAbort)
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        try {
          ws.close(1000)
        } catch {
          ws.terminate()
        }
      }
      if (end instanceof Error) reject(end)
      else resolve(end)
    }
    // Every socket callback goes through the lane, so none overtakes a frame that arrived before it.
    const run = socketLane(opts.lane, () => !settled, (err) => log.error({ err }, 'tiktok: socket callback failed'))
    const onAbort = () => run(() => finish({ kind: 'aborted' }))
    opts.signal.addEventListener('abort', onAbort)

    const send = (bytes: Uint8Array) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes)
    }

    // TikTok refuses a socket by answering the upgrade with HTTP 200 and handshake-* headers.
    ws.on('unexpected-response', (_req, res) => {
      const msg = String(res.headers['handshake-msg'] ?? '')
      const status = String(res.headers['handshake-status'] ?? '')
      res.resume()
      if (msg !== '' || status !== '') {
        log.error({ handshakeMsg: msg, handshakeStatus: status }, `tiktok refused the push socket handshake: ${msg || status}`)
        finish(new ConnectorError('DEVICE_BLOCKED', `tiktok refused the push socket: ${msg || 'handshake-status ' + status}`))
      } else {
        finish(new ConnectorError('UPSTREAM', `tiktok push socket upgrade answered HTTP ${res.statusCode}`))
      }
    })

    ws.on('open', () => {
      if (settled) return
      opened = true
      send(encodeEnterRoom(opts.roomId, opts.cursor, enterUniqueId()))
      stopHeartbeat = startHeartbeat(
        (seq) => {
          send(encodeHeartbeat(opts.roomId, seq))
          counters.heartbeatsSent++
        },
        opts.heartbeatIntervalMs,
        opts.timers,
      )
      opts.onOpen()
    })

    ws.on('message', (data) => {
      if (settled) return
      // Alive as soon as it arrives: the idle watchdog must not blame a queued frame.
      counters.frames++
      opts.onFrame()
      run(() => onData(data), rawDataBytes(data))
    })

    const onData = (data: WebSocket.RawData) => {
      let decoded
      try {
        decoded = decodeFrame(toBytes(data))
      } catch (err) {
        // A bad frame is skipped, never fatal: the next one may be fine.
        counters.badFrames++
        const kind = err instanceof TikTokFrameError ? 'tiktok frame did not decode; skipped' : 'tiktok frame failed unexpectedly; skipped'
        log.warn({ err: (err as Error).message }, kind)
        return
      }
      const { frame, result } = decoded
      if (!result) {
        if (frame.payloadType === PayloadType.EnterRoomResp) log.debug('tiktok room entered')
        return
      }
      if (result.needAck) {
        send(encodeAck(frame.logId, result.internalExt))
        counters.acksSent++
      }
      let ended = false
      try {
        ended = opts.onResult(result)
      } catch (err) {
        counters.badFrames++
        log.error({ err: (err as Error).message }, 'tiktok batch handling failed; skipped')
      }
      if (ended) finish({ kind: 'stream-ended' })
    }

    ws.on('error', (err) =>
      run(() => {
        if (!opened) finish(new ConnectorError('NETWORK', `tiktok push socket failed: ${err.message}`, undefined, { cause: err }))
        else log.warn({ err: err.message }, 'tiktok push socket error')
      }),
    )

    ws.on('close', (code, reason) => run(() => finish({ kind: 'closed', reason: `code ${code}${reason.length ? ` ${reason.toString()}` : ''}` })))
  })
}
