import type { Server, ServerWebSocket } from 'bun'
import { type BrotliOptions, brotliCompressSync, deflateSync } from 'node:zlib'
import { encryptCookieCloud } from '../../../src/platforms/bilibili/cookie-cloud'
import { decodeMessage, encodePacket, type Packet } from '../../../src/platforms/bilibili/packet'
import { type AuthBody, Operation, ProtocolVersion } from '../../../src/platforms/bilibili/protocol'
import { signWbi, type WbiKeys } from '../../../src/platforms/bilibili/wbi'

/**
 * A local Bilibili: the HTTP endpoints a client calls before connecting (nav, finger/spi,
 * get_info, Master/info, WBI-checked getDanmuInfo), a LAPLACE login-sync server, and a danmaku
 * WebSocket speaking the real framing (auth reply, heartbeat reply with popularity, zlib or
 * brotli op 5 messages by the client's protover). Loopback only, random port.
 */

export interface SimAccount {
  uuid: string
  password: string
  mid: number
  uname: string
  sessdata: string
}

export interface BilibiliSimOptions {
  roomId?: number
  shortId?: number
  anchorUid?: number
  anchorName?: string
  liveStatus?: number
  title?: string
  /** Login-sync accounts served by the sim. */
  accounts?: SimAccount[]
  /** The first getDanmuInfo answers -352 (risk control), later ones succeed. */
  riskControlOnce?: boolean
  /** Popularity sent in heartbeat replies. */
  popularity?: number
}

export interface BilibiliSimStats {
  connections: number
  auths: number
  authRejected: number
  heartbeats: number
  navCalls: number
  spiCalls: number
  roomInfoCalls: number
  danmuInfoCalls: number
  danmuInfo352: number
  loginSyncCalls: number
  messagesSent: number
  /** Most authenticated sockets open at once (2 during a make-before-break restart). */
  peakAuthedSockets: number
}

export interface BilibiliSim {
  apiBase: string
  liveApiBase: string
  wsUrl: string
  loginSyncServer: string
  roomId: number
  shortId: number
  stats: BilibiliSimStats
  /** Auth bodies received, in order. */
  authLog: AuthBody[]
  /** Send cmd messages (one WebSocket message, packed and compressed per client) to every authed socket. */
  send(...msgs: object[]): number
  /** Server-side disconnect of every socket. */
  drop(): void
  /** Tokens issued so far are refused from now on (auth reply -101). */
  rejectIssuedTokens(): void
  /** The next n getDanmuInfo calls answer -352. */
  riskControlNext(n?: number): void
  /** While on, auth packets get no reply at all (a stuck server). */
  ignoreAuth(on: boolean): void
  /** The account's SESSDATA stops being a login (expired cookie): nav answers -101. */
  expireLogin(mid: number): void
  /** Compress op 5 messages this way whatever protover the client asked for (null: follow it). */
  forceCompression(kind: 'zlib' | 'brotli' | 'none' | null): void
  /** Authed sockets right now. */
  readonly openSockets: number
  close(): Promise<void>
}

const SIM_KEYS: WbiKeys = { imgKey: '7cd084941338484aae1ad9425b84077c', subKey: '4932caff0ff746eab6f01bf08b70ac45' }

interface SocketData {
  authed: boolean
  protover: number
}

/**
 * The server's heartbeat reply: popularity as a u32 body, then the client's heartbeat body
 * echoed. Real quirk: the declared length (20) excludes the echoed body that follows.
 */
export function heartbeatReply(popularity: number, echoed: Uint8Array): Uint8Array {
  const head = encodePacket(Operation.HeartbeatReply, new Uint8Array(4), ProtocolVersion.Heartbeat, 0)
  new DataView(head.buffer).setUint32(16, popularity)
  return Buffer.concat([head, echoed])
}

/**
 * One op 5 frame holding these inner packets, compressed as upstream does for `protover`
 * (3 brotli, 2 zlib; anything else: the packets as they are). `brotli` tunes the compressor.
 */
export function messageFrame(inner: Uint8Array, protover: number, brotli?: BrotliOptions): Uint8Array {
  if (protover === ProtocolVersion.Brotli) return encodePacket(Operation.Message, brotliCompressSync(inner, brotli), ProtocolVersion.Brotli, 0)
  if (protover === ProtocolVersion.Zlib) return encodePacket(Operation.Message, deflateSync(inner), ProtocolVersion.Zlib, 0)
  return inner
}

/**
 * A client's binary message as packets, as the server reads it; text messages are ignored and
 * a malformed one closes the socket with 1002 (both give undefined).
 */
export function clientPackets(ws: ServerWebSocket<unknown>, data: string | Uint8Array): Packet[] | undefined {
  if (typeof data === 'string') return undefined
  try {
    return decodeMessage(data)
  } catch {
    ws.close(1002, 'bad packet')
    return undefined
  }
}

export async function startBilibiliSim(opts: BilibiliSimOptions = {}): Promise<BilibiliSim> {
  const roomId = opts.roomId ?? 21452505
  const shortId = opts.shortId ?? 0
  const anchorUid = opts.anchorUid ?? 1437582453
  const accounts = opts.accounts ?? []
  const stats: BilibiliSimStats = {
    connections: 0, auths: 0, authRejected: 0, heartbeats: 0, navCalls: 0, spiCalls: 0,
    roomInfoCalls: 0, danmuInfoCalls: 0, danmuInfo352: 0, loginSyncCalls: 0, messagesSent: 0, peakAuthedSockets: 0,
  }
  const authLog: AuthBody[] = []
  /** token → uid it was issued for (0 = guest). */
  const tokens = new Map<string, number>()
  const rejected = new Set<string>()
  const sockets = new Set<ServerWebSocket<SocketData>>()
  let riskLeft = opts.riskControlOnce ? 1 : 0
  let tokenSeq = 0
  let silentAuth = false
  const expired = new Set<number>()
  let forced: number | null = null

  const accountOfCookie = (cookie: string | null): SimAccount | undefined =>
    accounts.find((a) => !expired.has(a.mid) && cookie?.split(/;\s*/).includes(`SESSDATA=${a.sessdata}`))

  const server: Server<SocketData> = Bun.serve<SocketData>({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req, srv) {
      const url = new URL(req.url)
      const p = url.pathname
      if (p === '/sub') {
        if (srv.upgrade(req, { data: { authed: false, protover: 0 } })) return undefined
        return new Response('upgrade failed', { status: 400 })
      }
      if (p === '/api/x/web-interface/nav') {
        stats.navCalls++
        const acc = accountOfCookie(req.headers.get('cookie'))
        const wbi_img = { img_url: `https://i0.hdslb.com/bfs/wbi/${SIM_KEYS.imgKey}.png`, sub_url: `https://i0.hdslb.com/bfs/wbi/${SIM_KEYS.subKey}.png` }
        return acc
          ? Response.json({ code: 0, data: { isLogin: true, mid: acc.mid, uname: acc.uname, wbi_img } })
          : Response.json({ code: -101, message: '账号未登录', data: { isLogin: false, wbi_img } })
      }
      if (p === '/api/x/frontend/finger/spi') {
        stats.spiCalls++
        return Response.json({ code: 0, data: { b_3: 'SIMBUVID-0000-1111-2222-333344445555' + '12345infoc', b_4: 'SIMBUVID4-infoc' } })
      }
      if (p === '/live/room/v1/Room/get_info') {
        stats.roomInfoCalls++
        const id = Number(url.searchParams.get('room_id'))
        if (id !== roomId && (shortId === 0 || id !== shortId)) return Response.json({ code: 1, message: '房间不存在' })
        return Response.json({ code: 0, data: { room_id: roomId, short_id: shortId, uid: anchorUid, live_status: opts.liveStatus ?? 1, title: opts.title ?? 'sim room' } })
      }
      if (p === '/live/live_user/v1/Master/info') {
        return Response.json({ code: 0, data: { info: { uid: anchorUid, uname: opts.anchorName ?? 'sim anchor' } } })
      }
      if (p === '/live/xlive/web-room/v1/index/getDanmuInfo') return danmuInfo(req, url)
      const sync = p.match(/^\/sync\/get\/([^/]+)$/)
      if (sync) {
        stats.loginSyncCalls++
        const acc = accounts.find((a) => a.uuid === decodeURIComponent(sync[1] ?? ''))
        if (!acc) return new Response('Not Found', { status: 404 })
        const payload = {
          cookie_data: {
            'bilibili.com': [
              { name: 'SESSDATA', value: acc.sessdata, domain: '.bilibili.com' },
              { name: 'DedeUserID', value: String(acc.mid), domain: '.bilibili.com' },
              { name: 'buvid3', value: `ACCOUNT-${acc.mid}-infoc`, domain: '.bilibili.com' },
            ],
          },
          local_storage_data: {},
        }
        return Response.json({ encrypted: encryptCookieCloud(payload, acc.uuid, acc.password) })
      }
      return new Response('not found', { status: 404 })
    },
    websocket: {
      open(ws) {
        stats.connections++
        sockets.add(ws)
      },
      close(ws) {
        sockets.delete(ws)
      },
      message(ws, data) {
        for (const pkt of clientPackets(ws, data) ?? []) {
          if (pkt.op === Operation.Auth) onAuth(ws, pkt.body)
          else if (pkt.op === Operation.Heartbeat && ws.data.authed) onHeartbeat(ws, pkt.body)
        }
      },
    },
  })

  function danmuInfo(req: Request, url: URL): Response {
    stats.danmuInfoCalls++
    const cookie = req.headers.get('cookie') ?? ''
    if (!/(^|;\s*)buvid3=/.test(cookie)) return Response.json({ code: -352, message: '-352' })
    const params: Record<string, string> = {}
    for (const [k, v] of url.searchParams) if (k !== 'w_rid' && k !== 'wts') params[k] = v
    const expected = signWbi(params, SIM_KEYS, Number(url.searchParams.get('wts')))
    if (`${url.search.slice(1)}` !== expected) return Response.json({ code: -352, message: '-352' })
    if (riskLeft > 0) {
      riskLeft--
      stats.danmuInfo352++
      return Response.json({ code: -352, message: '-352' })
    }
    if (Number(params.id) !== roomId) return Response.json({ code: 1, message: 'room not found' })
    const acc = accountOfCookie(cookie)
    const token = `sim-token-${++tokenSeq}`
    tokens.set(token, acc?.mid ?? 0)
    const port = server.port
    return Response.json({
      code: 0,
      data: {
        group: 'live', business_id: 0, refresh_row_factor: 0.125, refresh_rate: 100, max_delay: 5000, token,
        host_list: [{ host: '127.0.0.1', port, wss_port: port, ws_port: port }],
      },
    })
  }

  function onAuth(ws: ServerWebSocket<SocketData>, body: Uint8Array): void {
    let auth: AuthBody
    try {
      auth = JSON.parse(new TextDecoder().decode(body)) as AuthBody
    } catch {
      ws.close(1002, 'bad auth')
      return
    }
    authLog.push(auth)
    if (silentAuth) return
    const issuedFor = tokens.get(auth.key)
    const ok = auth.roomid === roomId && issuedFor !== undefined && issuedFor === auth.uid && !rejected.has(auth.key)
    const reply = encodePacket(Operation.AuthReply, JSON.stringify({ code: ok ? 0 : -101 }), ProtocolVersion.Heartbeat, 1)
    ws.send(reply)
    if (!ok) {
      stats.authRejected++
      ws.close(1000, 'auth failed')
      return
    }
    stats.auths++
    ws.data.authed = true
    stats.peakAuthedSockets = Math.max(stats.peakAuthedSockets, [...sockets].filter((s) => s.data.authed).length)
    ws.data.protover = auth.protover
  }

  function onHeartbeat(ws: ServerWebSocket<SocketData>, body: Uint8Array): void {
    stats.heartbeats++
    ws.send(heartbeatReply(opts.popularity ?? 2466, body))
  }

  const frameFor = (inner: Uint8Array, requested: number): Uint8Array => messageFrame(inner, forced ?? requested)

  const base = `http://127.0.0.1:${server.port}`
  return {
    apiBase: `${base}/api`,
    liveApiBase: `${base}/live`,
    wsUrl: `ws://127.0.0.1:${server.port}/sub`,
    loginSyncServer: `${base}/sync`,
    roomId,
    shortId,
    stats,
    authLog,
    send(...msgs: object[]): number {
      const inner = Buffer.concat(msgs.map((m) => encodePacket(Operation.Message, JSON.stringify(m), ProtocolVersion.Normal, 0)))
      let n = 0
      for (const ws of sockets) {
        if (!ws.data.authed) continue
        ws.send(frameFor(inner, ws.data.protover))
        n++
      }
      stats.messagesSent += msgs.length * n
      return n
    },
    drop() {
      for (const ws of sockets) ws.close(1001, 'sim drop')
    },
    rejectIssuedTokens() {
      for (const t of tokens.keys()) rejected.add(t)
    },
    riskControlNext(n = 1) {
      riskLeft += n
    },
    forceCompression(kind) {
      forced = kind === null ? null : kind === 'zlib' ? ProtocolVersion.Zlib : kind === 'brotli' ? ProtocolVersion.Brotli : ProtocolVersion.Normal
    },
    expireLogin(mid: number) {
      expired.add(mid)
    },
    ignoreAuth(on: boolean) {
      silentAuth = on
    },
    get openSockets() {
      return [...sockets].filter((s) => s.data.authed).length
    },
    async close() {
      for (const ws of sockets) ws.close(1001, 'sim closing')
      await server.stop(true)
    },
  }
}
