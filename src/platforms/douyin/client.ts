import type { IncomingMessage } from 'node:http'
import type { Logger } from 'pino'
import WebSocket from 'ws'
import { ConnectorError, type SessionEnd, type SessionHooks } from '../connector'
import { decodePushFrame, decodeResponse, encodeAck, FrameError, PayloadType } from './frame-codec'
import { Heartbeat } from './heartbeat'
import type { NormalizeContext } from './normalize/context'
import { dispatchMessage } from './normalize/dispatch'
import { rawDataBytes, type SlicedQueue, socketLane } from '../sliced-queue'
import { type ResumeState, updateResume } from './resume'
import type { DouyinStats } from './stats'

/** One push WebSocket connection: frames in, heartbeats and acks out, events to the context. */
export interface PushConnectionOptions {
  url: string
  headers: Record<string, string>
  heartbeatMs: number
  offlineRecheckMs: number
  hooks: SessionHooks
  signal: AbortSignal
  log: Logger
  ctx: NormalizeContext
  stats: DouyinStats
  resume: ResumeState
  /** Where the socket's callbacks run, in order and in time slices (see SlicedQueue). */
  lane: SlicedQueue
}

/**
 * A handshake Douyin refuses comes back as HTTP 200 (not 101) with an empty body, often with
 * `handshake-status: 415` and `handshake-msg: DEVICE_BLOCKED`: device/IP risk control or a bad
 * signature. Other statuses map to the usual error codes.
 */
export function handshakeError(res: IncomingMessage): ConnectorError {
  const status = res.statusCode ?? 0
  const hsStatus = String(res.headers['handshake-status'] ?? '')
  const hsMsg = String(res.headers['handshake-msg'] ?? '')
  const detail = `HTTP ${status}${hsStatus ? `, handshake-status ${hsStatus}` : ''}${hsMsg ? `, handshake-msg ${hsMsg}` : ''}`
  if (hsMsg.includes('DEVICE_BLOCKED') || status === 200 || hsStatus !== '') {
    return new ConnectorError('DEVICE_BLOCKED', `douyin refused the push handshake (${detail}): device/IP blocked or signature rejected`)
  }
  if (status === 429) return new ConnectorError('RATE_LIMITED', `douyin push handshake: ${detail}`)
  if (status === 401 || status === 403 || status === 444) return new ConnectorError('RISK_CONTROL', `douyin push handshake: ${detail}`)
  return new ConnectorError('NETWORK', `douyin push handshake failed: ${detail}`)
}

export function runPushConnection(o: PushConnectionOptions): Promise<SessionEnd> {
  return new Promise<SessionEnd>((resolve, reject) => {
    let settled = false
    let opened = false
    const ws = new WebSocket(o.url, { headers: o.headers, handshakeTimeout: 15_000 })
    ws.binaryType = 'nodebuffer'
    const send = (bytes: Uint8Array) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes, { binary: true })
    }
    const heartbeat = new Heartbeat(o.heartbeatMs, send, () => o.stats.heartbeatsSent++)

    const finish = (end: SessionEnd | ConnectorError) => {
      if (settled) return
      settled = true
      heartbeat.stop()
      o.signal.removeEventListener('abort', onAbort)
      ws.removeAllListeners()
      ws.on('error', () => {}) // a late error on a socket we are dropping is not news
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate()
      if (end instanceof ConnectorError) reject(end)
      else resolve(end)
    }
    // Every socket callback goes through the lane, so none overtakes a frame that arrived before it.
    const run = socketLane(o.lane, () => !settled, (err) => o.log.error({ err }, 'douyin: socket callback failed'))
    const onAbort = () => run(() => finish({ kind: 'aborted' }))
    if (o.signal.aborted) return finish({ kind: 'aborted' })
    o.signal.addEventListener('abort', onAbort, { once: true })

    ws.on('unexpected-response', (_req, res) => {
      res.resume()
      const err = handshakeError(res)
      if (err.code === 'DEVICE_BLOCKED') {
        o.stats.handshakesRefused++
        o.log.error({ status: res.statusCode, handshakeStatus: res.headers['handshake-status'], handshakeMsg: res.headers['handshake-msg'] }, 'douyin: push handshake refused (DEVICE_BLOCKED): this IP/device is blocked or the signature was rejected; a logged-in DOUYIN_COOKIE, fewer rooms per IP or DOUYIN_SIGN_SERVER may help')
      }
      finish(err)
    })

    ws.on('open', () => {
      opened = true
      o.stats.connects++
      o.hooks.update({ phase: 'connected' })
      heartbeat.start()
    })

    ws.on('message', (data, isBinary) => {
      // Alive as soon as it arrives: the idle watchdog must not blame a queued frame.
      o.hooks.alive()
      o.stats.frames++
      run(() => onFrame(data, isBinary), rawDataBytes(data))
    })

    const onFrame = (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) {
        o.stats.frameErrors++
        o.log.warn('douyin: text frame on the push socket skipped')
        return
      }
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data
      try {
        const frame = decodePushFrame(bytes)
        if (frame.payloadType === PayloadType.Close) return finish({ kind: 'closed', reason: 'server sent a close frame' })
        if (frame.payloadType !== PayloadType.Message) return // hb replies and the like
        const res = decodeResponse(frame)
        updateResume(o.resume, frame, res)
        if (res.needAck) {
          send(encodeAck(frame.logId, res.internalExt))
          o.stats.acksSent++
        }
        let liveEnded = false
        for (const msg of res.messages) {
          if (dispatchMessage(msg, o.ctx, o.stats.messages) === 'live-end') liveEnded = true
        }
        if (liveEnded) finish({ kind: 'offline', recheckMs: o.offlineRecheckMs })
      } catch (err) {
        // Never let one frame take the socket (or the process) down: count, log, go on.
        o.stats.frameErrors++
        if (err instanceof FrameError) o.log.warn({ bytes: bytes.length, err: err.message }, 'douyin: undecodable frame skipped')
        else o.log.error({ bytes: bytes.length, err }, 'douyin: unexpected error while handling a frame')
      }
    }

    ws.on('close', (code, reason) => run(() => finish({ kind: 'closed', reason: `socket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})` })))
    ws.on('error', (err) =>
      run(() => {
        if (!opened) finish(new ConnectorError('NETWORK', `douyin push connect failed: ${err.message}`, undefined, { cause: err }))
        else finish({ kind: 'closed', reason: `socket error: ${err.message}` })
      }),
    )
  })
}
