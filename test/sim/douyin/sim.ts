import { create, toBinary } from '@bufbuild/protobuf'
import type { Server, ServerWebSocket } from 'bun'
import { gzipSync } from 'node:zlib'
import { PushFrameSchema, ResponseSchema } from '../../../src/gen/douyin/push_pb'
import { decodePushFrame } from '../../../src/platforms/douyin/frame-codec'
import { signatureMatchesStub, xMsStub } from '../../../src/platforms/douyin/sign'
import { chatMessage, controlMessage, type SimGift, giftMessage, type SimMessage, type SimUser } from './messages'

/**
 * A local Douyin: `GET /` hands out ttwid, the room-enter API and the room page describe one
 * room, and `/webcast/im/push/v2/` speaks the push protocol (PushFrame → gzip Response, hb
 * replies, acks counted, refusals as HTTP 200 + handshake-msg DEVICE_BLOCKED).
 */
export interface DouyinSimOptions {
  webRid?: string
  roomId?: string
  live?: boolean
  anchor?: { uid: string; nickname: string; secUid?: string }
  title?: string
  /** Every Response asks for an ack (default true). */
  needAck?: boolean
  /** Refuse every push handshake like a blocked device. */
  refuseHandshake?: boolean
  /** How the room-enter API answers: a built JSON (default), an empty body (forces the page), or this exact body. */
  enter?: 'json' | 'empty' | { body: string }
  /** Refuse handshakes whose signature does not match the signed stub (default true). */
  checkSignature?: boolean
  /** Close a socket that sent no heartbeat for this long, as the real server does (default off). */
  heartbeatTimeoutMs?: number
}

export interface SimConnection {
  query: Record<string, string>
  cookie: string
  userAgent: string
}

export interface DouyinSimStats {
  ttwidRequests: number
  enterRequests: number
  /** Cookie, referer and query of the last room-enter request. */
  lastEnter: { cookie: string; referer: string; query: Record<string, string> } | null
  pageRequests: number
  handshakes: number
  refused: number
  badSignatures: number
  heartbeats: number
  /** Sockets the sim closed for missing heartbeats. */
  heartbeatTimeouts: number
  acks: Array<{ logId: string; payload: string }>
  connections: SimConnection[]
}

export interface DouyinSim {
  webBase: string
  wsUrl: string
  webRid: string
  roomId: string
  ttwid: string
  stats: DouyinSimStats
  /** Send messages in one Response frame to every open socket; returns the frame's logId. */
  push(messages: SimMessage[], opts?: { needAck?: boolean }): bigint
  /** One chat message in its own frame. */
  pushChat(user: SimUser, content: string): bigint
  /** One gift message in its own frame (a combo is several calls with growing repeatCount). */
  pushGift(gift: SimGift): bigint
  /** Send raw bytes as a binary frame (garbage, truncated frames, …). */
  pushRaw(bytes: Uint8Array): void
  /** The last cursor / internal_ext the sim handed out. */
  lastResume(): { cursor: string; internalExt: string }
  endLive(): void
  setLive(live: boolean, roomId?: string): void
  refuseHandshake(on: boolean): void
  dropSockets(): void
  openSockets(): number
  waitFor(cond: () => boolean, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

interface WsData {
  conn: SimConnection
  lastHeartbeat: number
}

export function startDouyinSim(opts: DouyinSimOptions = {}): DouyinSim {
  const webRid = opts.webRid ?? '646454278948'
  let roomId = opts.roomId ?? '7630361251285076745'
  let live = opts.live ?? true
  let refuse = opts.refuseHandshake ?? false
  const anchor = { uid: '3789344204128560', nickname: '测试主播', secUid: 'MS4wLjABAAAAsim', ...opts.anchor }
  const title = opts.title ?? '模拟直播间'
  const ttwid = `1%7Csim${Math.floor(Math.random() * 1e9)}%7C${Math.floor(Date.now() / 1000)}%7C${'ab'.repeat(32)}`
  const stats: DouyinSimStats = { ttwidRequests: 0, enterRequests: 0, lastEnter: null, pageRequests: 0, handshakes: 0, refused: 0, badSignatures: 0, heartbeats: 0, heartbeatTimeouts: 0, acks: [], connections: [] }
  const sockets = new Set<ServerWebSocket<WsData>>()
  let seq = 0n
  let logId = 9_000_000_000_000_000_000n
  let resume = { cursor: '', internalExt: '' }

  function enterJson(): string {
    if (!live) return JSON.stringify({ status_code: 0, data: { data: [{ id_str: roomId, status: 4, title }], enter_room_id: roomId, room_status: 2, user: { id_str: anchor.uid, nickname: anchor.nickname, sec_uid: anchor.secUid } } })
    return JSON.stringify({
      status_code: 0,
      data: { data: [{ id_str: roomId, status: 2, status_str: '2', title, owner: { id_str: anchor.uid, nickname: anchor.nickname, sec_uid: anchor.secUid } }], enter_room_id: roomId, room_status: 0, user: { id_str: anchor.uid, nickname: anchor.nickname, sec_uid: anchor.secUid } },
      extra: { now: Date.now() },
    })
  }

  function pageHtml(): string {
    const state = { state: { roomStore: { roomInfo: { roomId, room: { id_str: roomId, status: live ? 2 : 4, status_str: String(live ? 2 : 4), title, owner: { id_str: anchor.uid, nickname: anchor.nickname, sec_uid: anchor.secUid } } } }, userStore: { odin: { user_unique_id: '7399999999999999999' } } } }
    // Next.js flight data: the JSON travels as an escaped string literal.
    const flight = JSON.stringify(JSON.stringify(state))
    return `<!doctype html><html><body><script>self.__pace_f.push([1,${flight}])</script></body></html>`
  }

  function frameFor(messages: SimMessage[], needAck: boolean): Uint8Array {
    seq++
    logId++
    const t = Date.now()
    resume = { cursor: `t-${t}_r-${seq}_d-1_u-1_h-1`, internalExt: `internal_src:pushserver|first_req_ms:${t}|wss_msg_type:r|wrds_v:${seq}` }
    const res = create(ResponseSchema, {
      messages: messages.map((m) => ({ method: m.method, payload: m.payload, msgId: m.msgId })),
      cursor: resume.cursor,
      internalExt: resume.internalExt,
      fetchInterval: 1000n,
      now: BigInt(t),
      heartbeatDuration: 15n,
      needAck,
    })
    return toBinary(
      PushFrameSchema,
      create(PushFrameSchema, {
        seqId: seq,
        logId,
        service: 8888,
        method: 8,
        headers: [{ key: 'compress_type', value: 'gzip' }, { key: 'im-cursor', value: resume.cursor }],
        payloadEncoding: 'pb',
        payloadType: 'msg',
        payload: gzipSync(toBinary(ResponseSchema, res)),
      }),
    )
  }

  const server: Server<WsData> = Bun.serve<WsData>({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req, srv) {
      const url = new URL(req.url)
      if (url.pathname === '/') {
        stats.ttwidRequests++
        return new Response('<html></html>', { headers: { 'set-cookie': `ttwid=${ttwid}; Path=/; Domain=127.0.0.1; HttpOnly` } })
      }
      if (url.pathname === '/webcast/room/web/enter/') {
        stats.enterRequests++
        stats.lastEnter = { cookie: req.headers.get('cookie') ?? '', referer: req.headers.get('referer') ?? '', query: Object.fromEntries(url.searchParams) }
        const mode = opts.enter ?? 'json'
        const body = mode === 'json' ? enterJson() : mode === 'empty' ? '' : mode.body
        return new Response(body, { headers: { 'content-type': 'application/json' } })
      }
      if (url.pathname === '/webcast/im/push/v2/') {
        stats.handshakes++
        const query = Object.fromEntries(url.searchParams)
        const sigOk = signatureMatchesStub(query.signature ?? '', xMsStub({ roomId: query.room_id ?? '', userUniqueId: query.user_unique_id ?? '', sdkVersion: query.webcast_sdk_version ?? '', versionCode: query.version_code ?? '' }))
        if (!sigOk) stats.badSignatures++
        if (refuse || (!sigOk && opts.checkSignature !== false)) {
          stats.refused++
          return new Response('', { status: 200, headers: { 'handshake-status': '415', 'handshake-msg': 'DEVICE_BLOCKED' } })
        }
        const conn = { query, cookie: req.headers.get('cookie') ?? '', userAgent: req.headers.get('user-agent') ?? '' }
        if (srv.upgrade(req, { data: { conn, lastHeartbeat: Date.now() } })) return undefined
        return new Response('upgrade failed', { status: 400 })
      }
      if (url.pathname === `/${webRid}`) {
        stats.pageRequests++
        return new Response(pageHtml(), { headers: { 'content-type': 'text/html' } })
      }
      return new Response('not found', { status: 404 })
    },
    websocket: {
      open(ws) {
        sockets.add(ws)
        stats.connections.push(ws.data.conn)
      },
      message(ws, data) {
        if (typeof data === 'string') return
        let frame
        try {
          frame = decodePushFrame(new Uint8Array(data))
        } catch {
          return
        }
        if (frame.payloadType === 'hb') {
          stats.heartbeats++
          ws.data.lastHeartbeat = Date.now()
          ws.sendBinary(toBinary(PushFrameSchema, create(PushFrameSchema, { payloadType: 'hb' })))
        } else if (frame.payloadType === 'ack') {
          stats.acks.push({ logId: frame.logId.toString(), payload: new TextDecoder().decode(frame.payload) })
        }
      },
      close(ws) {
        sockets.delete(ws)
      },
    },
  })

  const hbTimeout = opts.heartbeatTimeoutMs
  const hbCheck = hbTimeout
    ? setInterval(() => {
        for (const ws of sockets) {
          if (Date.now() - ws.data.lastHeartbeat > hbTimeout) {
            stats.heartbeatTimeouts++
            sockets.delete(ws)
            ws.close(1000, 'heartbeat timeout')
          }
        }
      }, Math.max(5, Math.floor(hbTimeout / 4)))
    : undefined

  const base = `http://127.0.0.1:${server.port}`
  const sim: DouyinSim = {
    webBase: base,
    wsUrl: `ws://127.0.0.1:${server.port}/webcast/im/push/v2/`,
    webRid,
    get roomId() {
      return roomId
    },
    ttwid,
    stats,
    push(messages, o = {}) {
      const bytes = frameFor(messages, o.needAck ?? opts.needAck ?? true)
      for (const ws of sockets) ws.sendBinary(bytes)
      return logId
    },
    pushChat: (user, content) => sim.push([chatMessage(user, content)]),
    pushGift: (gift) => sim.push([giftMessage(gift)]),
    pushRaw(bytes) {
      for (const ws of sockets) ws.sendBinary(bytes)
    },
    lastResume: () => ({ ...resume }),
    endLive() {
      sim.push([controlMessage(3, roomId)])
      live = false
    },
    setLive(on, newRoomId) {
      live = on
      if (newRoomId) roomId = newRoomId
    },
    refuseHandshake(on) {
      refuse = on
    },
    dropSockets() {
      for (const ws of sockets) ws.terminate()
      sockets.clear()
    },
    openSockets: () => sockets.size,
    async waitFor(cond, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('sim: condition not met in time')
        await Bun.sleep(5)
      }
    },
    async stop() {
      clearInterval(hbCheck)
      sim.dropSockets()
      await server.stop(true)
    },
  }
  return sim
}
