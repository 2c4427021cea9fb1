import type { Server, ServerWebSocket } from 'bun'
import { constants as zc } from 'node:zlib'
import { encodePacket } from '../../src/platforms/bilibili/packet'
import { Operation, ProtocolVersion } from '../../src/platforms/bilibili/protocol'
import { ScriptedRoom } from '../../test/sim/bilibili/scripted-room'
import { clientPackets, heartbeatReply, messageFrame } from '../../test/sim/bilibili/sim'

/**
 * A Bilibili that serves any number of rooms at once, for load: every room id is a live room
 * (long id = the id asked for), guests get a token, and the danmaku socket speaks the real
 * framing (auth reply, heartbeat reply, op 5 messages compressed as the client's protover asks). The single-room test simulator
 * (test/sim/bilibili/sim.ts) checks WBI signatures and tokens per room; this one skips those
 * checks and spends its CPU on traffic instead. Traffic is test/sim/bilibili/scripted-room.ts:
 * real fixture messages with fresh users, ids and times.
 */

interface SocketData {
  room: number
  authed: boolean
  protover: number
}

export interface RoomsSimStats {
  authed: number
  connections: number
  frames: number
  messages: number
}

// Upstream uses a high brotli quality; the sim uses a fast one so the sim is never the bottleneck.
const BROTLI = { params: { [zc.BROTLI_PARAM_QUALITY]: 4 } }
const WBI = { img: '7cd084941338484aae1ad9425b84077c', sub: '4932caff0ff746eab6f01bf08b70ac45' }

export interface RoomsSim {
  port: number
  stats: RoomsSimStats
  /** Send scripted traffic to every authed room, one frame per room every `intervalMs` (staggered). */
  startTraffic(intervalMs: number): void
  stopTraffic(): void
  /**
   * Build `messages` messages of scripted traffic up front, spread over the authed rooms. With
   * `framesFile`, the frames are also written there in send order (see writeFramesFile), so the
   * bench can encode the same messages as lef does for its COPY baseline.
   */
  prepareBlast(messages: number, framesFile?: string): Promise<{ frames: number; messages: number }>
  /** Send the prepared frames as fast as the sockets take them; resolves when all are written. */
  blast(): Promise<{ frames: number; messages: number; ms: number }>
  close(): Promise<void>
}

/** One op 5 frame of these messages, compressed as upstream does for the auth's `protover`. */
function frameOf(msgs: object[], protover: number): Uint8Array {
  const inner = Buffer.concat(msgs.map((m) => encodePacket(Operation.Message, JSON.stringify(m), ProtocolVersion.Normal, 0)))
  return messageFrame(inner, protover, BROTLI)
}

/** A frame as sent to one room. */
export interface RoomFrame {
  room: number
  frame: Uint8Array
}

/** Frames in send order as [room u32][length u32][frame bytes], big-endian. */
export async function writeFramesFile(path: string, frames: readonly RoomFrame[]): Promise<void> {
  const out = new Uint8Array(frames.reduce((n, f) => n + 8 + f.frame.byteLength, 0))
  const view = new DataView(out.buffer)
  let at = 0
  for (const f of frames) {
    view.setUint32(at, f.room)
    view.setUint32(at + 4, f.frame.byteLength)
    out.set(f.frame, at + 8)
    at += 8 + f.frame.byteLength
  }
  await Bun.write(path, out)
}

/** The frames writeFramesFile wrote, in order. */
export async function readFramesFile(path: string): Promise<RoomFrame[]> {
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer())
  const view = new DataView(bytes.buffer)
  const frames: RoomFrame[] = []
  for (let at = 0; at < bytes.byteLength; ) {
    const room = view.getUint32(at)
    const length = view.getUint32(at + 4)
    if (at + 8 + length > bytes.byteLength) throw new Error(`${path}: frame at byte ${at} runs past the end of the file`)
    frames.push({ room, frame: bytes.subarray(at + 8, at + 8 + length) })
    at += 8 + length
  }
  return frames
}

export function startRoomsSim(): RoomsSim {
  const stats: RoomsSimStats = { authed: 0, connections: 0, frames: 0, messages: 0 }
  const sockets = new Map<number, ServerWebSocket<SocketData>>()
  const scripts = new Map<number, ScriptedRoom>()
  let timers: Array<ReturnType<typeof setInterval>> = []
  let prepared: Array<{ ws: ServerWebSocket<SocketData>; frame: Uint8Array; messages: number }> = []

  const scriptFor = (room: number) => {
    let s = scripts.get(room)
    if (!s) scripts.set(room, (s = new ScriptedRoom({ roomId: room, seed: room })))
    return s
  }

  const server: Server<SocketData> = Bun.serve<SocketData>({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req, srv) {
      const url = new URL(req.url)
      const p = url.pathname
      if (p === '/sub') return srv.upgrade(req, { data: { room: 0, authed: false, protover: 0 } }) ? undefined : new Response('upgrade failed', { status: 400 })
      if (p === '/api/x/web-interface/nav') {
        return Response.json({ code: -101, message: '账号未登录', data: { isLogin: false, wbi_img: { img_url: `https://i0.hdslb.com/bfs/wbi/${WBI.img}.png`, sub_url: `https://i0.hdslb.com/bfs/wbi/${WBI.sub}.png` } } })
      }
      if (p === '/api/x/frontend/finger/spi') return Response.json({ code: 0, data: { b_3: 'BENCHBUVID-0000-1111-2222-333344445555infoc', b_4: 'BENCHBUVID4-infoc' } })
      if (p === '/live/room/v1/Room/get_info') {
        const id = Number(url.searchParams.get('room_id'))
        if (!Number.isSafeInteger(id) || id <= 0) return Response.json({ code: 1, message: '房间不存在' })
        return Response.json({ code: 0, data: { room_id: id, short_id: 0, uid: 1_000_000 + id, live_status: 1, title: `bench room ${id}` } })
      }
      if (p === '/live/live_user/v1/Master/info') return Response.json({ code: 0, data: { info: { uid: 1, uname: 'bench anchor' } } })
      if (p === '/live/xlive/web-room/v1/index/getDanmuInfo') {
        const port = server.port
        return Response.json({ code: 0, data: { token: `bench-token-${url.searchParams.get('id')}`, host_list: [{ host: '127.0.0.1', port, wss_port: port, ws_port: port }] } })
      }
      return new Response('not found', { status: 404 })
    },
    websocket: {
      // lef reads as fast as it can; the sim must not drop frames while it catches up.
      backpressureLimit: 64 * 1024 * 1024,
      open() {
        stats.connections++
      },
      close(ws) {
        if (ws.data.authed && sockets.get(ws.data.room) === ws) {
          sockets.delete(ws.data.room)
          stats.authed = sockets.size
        }
      },
      message(ws, data) {
        for (const pkt of clientPackets(ws, data) ?? []) {
          if (pkt.op === Operation.Auth) {
            const auth = JSON.parse(new TextDecoder().decode(pkt.body)) as { roomid: number; protover: number }
            ws.send(encodePacket(Operation.AuthReply, JSON.stringify({ code: 0 }), ProtocolVersion.Heartbeat, 1))
            ws.data = { room: auth.roomid, authed: true, protover: auth.protover }
            sockets.set(auth.roomid, ws)
            stats.authed = sockets.size
          } else if (pkt.op === Operation.Heartbeat) {
            ws.send(heartbeatReply(2466, pkt.body))
          }
        }
      },
    },
  })

  const sendTick = (room: number) => {
    const ws = sockets.get(room)
    if (!ws) return
    const msgs = scriptFor(room).tick()
    if (msgs.length === 0) return
    ws.send(frameOf(msgs, ws.data.protover))
    stats.frames++
    stats.messages += msgs.length
  }

  return {
    port: server.port!,
    stats,
    startTraffic(intervalMs) {
      const rooms = [...sockets.keys()]
      rooms.forEach((room, i) => {
        // Staggered so the rooms' frames spread over the interval like real traffic.
        const start = setTimeout(() => {
          timers.push(setInterval(() => sendTick(room), intervalMs))
        }, (intervalMs * i) / rooms.length)
        timers.push(start as unknown as ReturnType<typeof setInterval>)
      })
    },
    stopTraffic() {
      for (const t of timers) clearInterval(t)
      timers = []
    },
    async prepareBlast(target, framesFile) {
      prepared = []
      const rooms = [...sockets.entries()]
      if (rooms.length === 0) throw new Error('no authed rooms')
      let messages = 0
      for (let i = 0; messages < target; i++) {
        const [room, ws] = rooms[i % rooms.length]!
        const msgs = scriptFor(room).tick()
        if (msgs.length === 0) continue
        prepared.push({ ws, frame: frameOf(msgs, ws.data.protover), messages: msgs.length })
        messages += msgs.length
      }
      if (framesFile) await writeFramesFile(framesFile, prepared.map((p) => ({ room: p.ws.data.room, frame: p.frame })))
      return { frames: prepared.length, messages }
    },
    async blast() {
      const t0 = performance.now()
      let messages = 0
      for (let i = 0; i < prepared.length; i++) {
        const p = prepared[i]!
        // Keep each socket's unsent queue short: lef sets the pace, as a real server would see it.
        while (p.ws.getBufferedAmount() > 1024 * 1024) await Bun.sleep(1)
        p.ws.send(p.frame)
        messages += p.messages
        if (i % 256 === 255) await Promise.resolve()
      }
      stats.frames += prepared.length
      stats.messages += messages
      const frames = prepared.length
      prepared = []
      return { frames, messages, ms: performance.now() - t0 }
    },
    async close() {
      this.stopTraffic()
      await server.stop(true)
    },
  }
}
