import { gzipSync } from 'node:zlib'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import type { Server, ServerWebSocket } from 'bun'
import {
  HeartBeatMessageSchema,
  ProtoMessageFetchResultSchema,
  WebcastImEnterRoomMessageSchema,
  WebcastPushFrameSchema,
  type BaseProtoMessage,
} from '../../../src/gen/tiktok/push_pb'
import { chatMessage, controlMessage, giftMessage, type SimGift } from './messages'

/**
 * A local TikTok LIVE: the live page (SIGI_STATE), the user room API, check_alive, an
 * Euler-compatible sign server and the push WebSocket (gzip'd protobuf frames), all on one
 * 127.0.0.1 port. Counts what the client sends, and can misbehave on request.
 */

export interface SimRoomUser {
  roomId: string
  live: boolean
  uid?: string
  nickname?: string
  title?: string
}

export interface TikTokSimOptions {
  users?: Record<string, SimRoomUser>
  /** What the live page shows: the embedded state (default), a captcha, or a page without state. */
  livePage?: 'state' | 'captcha' | 'empty'
  /** The user room API answers 403 (a region / WAF block). */
  apiBlocked?: boolean
  /** Results ask for an ack (default true). */
  needAck?: boolean
  /** When set, the sign server demands this x-api-key. */
  apiKey?: string
  /** Messages in the sign server's first batch. */
  initialMessages?: BaseProtoMessage[]
  /** Answer the client's heartbeats with one (default true). */
  echoHeartbeat?: boolean
}

export interface TikTokSimStats {
  pageRequests: number
  apiRequests: number
  signRequests: number
  connections: number
  /** Push sockets closed (by either side). */
  closes: number
  enterRoom: number
  /** roomId of each enter-room frame. */
  enterRoomIds: string[]
  heartbeats: number
  heartbeatSeqs: string[]
  acks: number
  /** logId and payload of each ack. */
  ackLog: Array<{ logId: string; payload: string }>
  lastSignApiKey: string | null
  lastCookie: string | null
  lastUserAgent: string | null
  lastQuery: URLSearchParams | null
}

export interface TikTokSim {
  webBase: string
  webcastBase: string
  signServer: string
  pushServer: string
  stats: TikTokSimStats
  /** Push a msg frame with these messages to every connected socket, or only to those of room `roomId`. */
  push(messages: BaseProtoMessage[], roomId?: string): void
  /** A gift to every socket; with `roomId`, only to that room's sockets (as TikTok does with several rooms). */
  pushGift(g: Omit<SimGift, 'roomId'> & { roomId?: string }): void
  pushChat(content: string, roomId?: string): void
  /** Send the stream-end control message (the user's live is then offline). */
  endStream(user?: string): void
  /** Send raw bytes as a frame (fuzz / robustness tests). */
  pushRaw(bytes: Uint8Array): void
  /** Next sign request answers 429 with this retry-after (seconds). */
  rateLimitNextSign(retryAfterSec: number): void
  /** Next push-socket upgrade is refused with HTTP 200 + handshake-msg. */
  refuseNextHandshake(msg?: string, status?: string): void
  /** Close every push socket from the server side. */
  dropConnections(code?: number): void
  setLive(user: string, live: boolean): void
  /** Resolves when `check` holds (polls every 5 ms). */
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export const SIM_COOKIE = 'ttwid=sim-ttwid-1; tt-target-idc=useast1a'
export const SIM_PUSH_PATH = '/webcast/im/ws_proxy/ws_reuse_supplement/'
const DEFAULT_USERS: Record<string, SimRoomUser> = {
  sim_host: { roomId: '7270193599273683745', live: true, uid: '7000000000000000001', nickname: 'Sim Host', title: 'Sim live' },
}

function encodeResult(messages: BaseProtoMessage[], fields: { cursor: string; internalExt: string; needAck: boolean; pushServer?: string }): Uint8Array {
  return toBinary(
    ProtoMessageFetchResultSchema,
    create(ProtoMessageFetchResultSchema, {
      messages,
      cursor: fields.cursor,
      internalExt: fields.internalExt,
      needAck: fields.needAck,
      pushServer: fields.pushServer ?? '',
      routeParams: { wrss: 'sim-wrss-signature' },
      fetchInterval: 1000n,
      fetchType: 1,
      isFirst: true,
    }),
  )
}

export function startTikTokSim(opts: TikTokSimOptions = {}): TikTokSim {
  const users = new Map(Object.entries(opts.users ?? DEFAULT_USERS).map(([k, v]) => [k, { ...v }]))
  const needAck = opts.needAck ?? true
  const stats: TikTokSimStats = {
    pageRequests: 0, apiRequests: 0, signRequests: 0, connections: 0, closes: 0, enterRoom: 0, enterRoomIds: [],
    heartbeats: 0, heartbeatSeqs: [], acks: 0, ackLog: [], lastSignApiKey: null, lastCookie: null, lastUserAgent: null, lastQuery: null,
  }
  const sockets = new Set<ServerWebSocket<{ roomId: string }>>()
  let rateLimit: number | null = null
  let refuse: { msg: string; status: string } | null = null
  let seq = 0
  let logId = 1000

  const userByRoom = (roomId: string) => [...users.entries()].find(([, u]) => u.roomId === roomId)

  function frame(payloadType: string, payload: Uint8Array, gzip: boolean): Uint8Array {
    seq++
    logId++
    return toBinary(
      WebcastPushFrameSchema,
      create(WebcastPushFrameSchema, {
        seqId: String(seq),
        logId: String(logId),
        payloadType,
        payloadEncoding: 'pb',
        headers: gzip ? { compress_type: 'gzip' } : { compress_type: 'none' },
        payload: gzip ? gzipSync(payload) : payload,
      }),
    )
  }

  function livePage(name: string): string {
    if (opts.livePage === 'captcha') return '<html><body><div id="captcha-verify-container">Verify to continue</div></body></html>'
    const u = users.get(name)
    if (opts.livePage === 'empty' || !u) return '<html><body><p>Couldn\'t find this account</p></body></html>'
    const state = {
      LiveRoom: {
        liveRoomUserInfo: {
          user: { id: u.uid ?? '7000000000000000001', uniqueId: name, nickname: u.nickname ?? name, roomId: u.roomId, status: u.live ? 2 : 4 },
          liveRoom: { title: u.title ?? '', status: u.live ? 2 : 4 },
        },
      },
    }
    return `<html><head><script id="SIGI_STATE" type="application/json">${JSON.stringify(state)}</script></head><body></body></html>`
  }

  function userRoomApi(name: string): Response {
    if (opts.apiBlocked) return new Response('', { status: 403 })
    const u = users.get(name)
    if (!u) return Response.json({ statusCode: 19881007, message: 'user_not_found', data: {} })
    return Response.json({
      statusCode: 0,
      data: {
        user: { id: u.uid ?? '7000000000000000001', uniqueId: name, nickname: u.nickname ?? name, roomId: u.roomId, status: u.live ? 2 : 4 },
        liveRoom: { title: u.title ?? '', status: u.live ? 2 : 4 },
      },
    })
  }

  const server: Server<{ roomId: string }> = Bun.serve<{ roomId: string }>({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req, srv) {
      const url = new URL(req.url)
      const path = url.pathname
      const page = /^\/@([^/]+)\/live$/.exec(path)
      if (page?.[1] !== undefined) {
        stats.pageRequests++
        return new Response(livePage(decodeURIComponent(page[1])), { headers: { 'content-type': 'text/html' } })
      }
      if (path === '/api-live/user/room/') {
        stats.apiRequests++
        return userRoomApi(url.searchParams.get('uniqueId') ?? '')
      }
      if (path === '/webcast/room/check_alive/') {
        const roomId = url.searchParams.get('room_ids') ?? ''
        const alive = userByRoom(roomId)?.[1].live ?? false
        return Response.json({ status_code: 0, data: [{ alive, room_id: roomId }] })
      }
      const sign = /^\/webcast\/rooms\/([^/]+)\/connect$/.exec(path)
      if (sign?.[1] !== undefined) {
        stats.signRequests++
        stats.lastSignApiKey = req.headers.get('x-api-key')
        if (opts.apiKey !== undefined && req.headers.get('x-api-key') !== opts.apiKey) return Response.json({ message: 'The provided API Key is invalid' }, { status: 401 })
        if (rateLimit !== null) {
          const retry = rateLimit
          rateLimit = null
          return Response.json({ message: 'Too many connections started', limit_label: 'rate_limit_account_minute' }, { status: 429, headers: { 'retry-after': String(retry) } })
        }
        const body = encodeResult(opts.initialMessages ?? [], { cursor: 'sim-cursor-1', internalExt: 'sim-ext-0', needAck: false, pushServer: `ws://127.0.0.1:${srv.port}${SIM_PUSH_PATH}` })
        return new Response(Buffer.from(body), { headers: { 'content-type': 'application/protobuf', 'x-set-tt-cookie': SIM_COOKIE, 'x-room-id': sign[1] } })
      }
      if (path === SIM_PUSH_PATH) {
        stats.lastCookie = req.headers.get('cookie')
        stats.lastUserAgent = req.headers.get('user-agent')
        stats.lastQuery = url.searchParams
        if (refuse) {
          const r = refuse
          refuse = null
          return new Response('', { status: 200, headers: { 'handshake-status': r.status, 'handshake-msg': r.msg } })
        }
        if (srv.upgrade(req, { data: { roomId: url.searchParams.get('room_id') ?? '' } })) return undefined
        return new Response('upgrade required', { status: 426 })
      }
      return new Response('not found', { status: 404 })
    },
    websocket: {
      open(ws) {
        stats.connections++
        sockets.add(ws)
      },
      close(ws) {
        stats.closes++
        sockets.delete(ws)
      },
      message(ws, data) {
        if (typeof data === 'string') return
        let f
        try {
          f = fromBinary(WebcastPushFrameSchema, data)
        } catch {
          return
        }
        if (f.payloadType === 'im_enter_room') {
          stats.enterRoom++
          stats.enterRoomIds.push(fromBinary(WebcastImEnterRoomMessageSchema, f.payload).roomId)
          ws.send(frame('im_enter_room_resp', new Uint8Array(), false))
        } else if (f.payloadType === 'hb') {
          stats.heartbeats++
          stats.heartbeatSeqs.push(fromBinary(HeartBeatMessageSchema, f.payload).sendPacketSeqId)
          if (opts.echoHeartbeat ?? true) ws.send(frame('hb', f.payload, false))
        } else if (f.payloadType === 'ack') {
          stats.acks++
          stats.ackLog.push({ logId: f.logId, payload: new TextDecoder().decode(f.payload) })
        }
      },
    },
  })

  const base = `http://127.0.0.1:${server.port}`
  const firstRoom = () => [...users.values()][0]?.roomId ?? '0'
  let extSeq = 0

  const sim: TikTokSim = {
    webBase: base,
    webcastBase: base,
    signServer: base,
    pushServer: `ws://127.0.0.1:${server.port}${SIM_PUSH_PATH}`,
    stats,
    push(messages, roomId) {
      extSeq++
      const bytes = frame('msg', encodeResult(messages, { cursor: `sim-cursor-${extSeq + 1}`, internalExt: `sim-ext-${extSeq}`, needAck }), true)
      for (const ws of sockets) if (roomId === undefined || ws.data.roomId === roomId) ws.send(bytes)
    },
    pushGift(g) {
      sim.push([giftMessage({ ...g, roomId: g.roomId ?? firstRoom() })], g.roomId)
    },
    pushChat(content, roomId) {
      sim.push([chatMessage(roomId ?? firstRoom(), content)], roomId)
    },
    endStream(name) {
      const entry = name ? users.get(name) : [...users.values()][0]
      if (entry) entry.live = false
      sim.push([controlMessage(entry?.roomId ?? firstRoom())])
    },
    pushRaw(bytes) {
      for (const ws of sockets) ws.send(bytes)
    },
    rateLimitNextSign(retryAfterSec) {
      rateLimit = retryAfterSec
    },
    refuseNextHandshake(msg = 'DEVICE_BLOCKED', status = '415') {
      refuse = { msg, status }
    },
    dropConnections(code = 1001) {
      for (const ws of sockets) ws.close(code, 'sim drop')
    },
    setLive(name, live) {
      const u = users.get(name)
      if (u) u.live = live
    },
    async waitFor(check, timeoutMs = 3000) {
      const until = Date.now() + timeoutMs
      while (!check()) {
        if (Date.now() > until) throw new Error('tiktok sim: condition not met in time')
        await Bun.sleep(5)
      }
    },
    async close() {
      for (const ws of sockets) ws.close(1001, 'sim closing')
      await server.stop(true)
    },
  }
  return sim
}
