import type { ServerWebSocket } from 'bun'
import { fanoutEvent, FANOUT_ROOM_BASE, wallNow, type PublishDone, type PublishRequest } from './event'

/**
 * The fan-out baseline: the least a Bun server can do to deliver the same events to the same
 * clients: one JSON.stringify per event, a WebSocket topic per room (uWS publish) and a list
 * of SSE stream controllers per room. No filters, buffers, replay or store.
 */
const enc = new TextEncoder()
const sse = new Map<string, Set<ReadableStreamDefaultController<Uint8Array>>>()
const roomOf = (url: URL) => (url.searchParams.get('rooms') ?? '').replace(/^bilibili:/, '')

const server = Bun.serve<{ room: string }>({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT),
  idleTimeout: 0,
  fetch(req, srv) {
    const url = new URL(req.url)
    if (url.pathname === '/ping') return new Response('pong')
    if (url.pathname === '/') return srv.upgrade(req, { data: { room: roomOf(url) } }) ? undefined : new Response('no', { status: 400 })
    if (url.pathname === '/sse') {
      const room = roomOf(url)
      let ctl: ReadableStreamDefaultController<Uint8Array>
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          ctl = c
          let set = sse.get(room)
          if (!set) sse.set(room, (set = new Set()))
          set.add(c)
          c.enqueue(enc.encode(': open\n\n'))
        },
        cancel() {
          sse.get(room)?.delete(ctl)
        },
      })
      return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })
    }
    return new Response('not found', { status: 404 })
  },
  websocket: {
    open(ws: ServerWebSocket<{ room: string }>) {
      ws.subscribe(ws.data.room)
      ws.send(JSON.stringify({ type: 'established' }))
    },
    message() {},
  },
})

async function publish(req: PublishRequest): Promise<PublishDone> {
  const perRoom = new Array<number>(req.rooms).fill(0)
  const total = Math.round(req.rate * req.seconds)
  const t0 = wallNow()
  let n = 0
  let lateTicks = 0
  while (n < total) {
    const due = Math.min(total, Math.floor(((wallNow() - t0) * req.rate) / 1000))
    if (due - n > req.rate / 100) lateTicks++
    for (; n < due; n++) {
      const r = n % req.rooms
      perRoom[r]!++
      const event = fanoutEvent(n, FANOUT_ROOM_BASE + r, wallNow())
      const json = JSON.stringify(event)
      const room = String(FANOUT_ROOM_BASE + r)
      server.publish(room, json)
      const subs = sse.get(room)
      if (subs) {
        const bytes = enc.encode(`event: message\nid: ${event.id}\ndata: ${json}\n\n`)
        for (const c of subs) c.enqueue(bytes)
      }
    }
    await Bun.sleep(1)
  }
  return { kind: 'published', total, perRoom, lateTicks, seconds: (wallNow() - t0) / 1000 }
}

process.on('message', (m: PublishRequest) => {
  if (m.kind === 'publish') void publish(m).then((done) => process.send?.(done))
})
