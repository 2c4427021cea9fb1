import type { ServerWebSocket } from 'bun'
import { fanoutEvent, newRunTag, wallNow } from './event'
import { servePublishRequests } from './paced-publisher'

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

const run = newRunTag()
servePublishRequests((n, r) => {
  const event = fanoutEvent(n, r, wallNow(), run)
  const json = JSON.stringify(event)
  const room = String(r)
  server.publish(room, json)
  const subs = sse.get(room)
  if (subs) {
    const bytes = enc.encode(`event: message\nid: ${event.id}\ndata: ${json}\n\n`)
    for (const c of subs) c.enqueue(bytes)
  }
})
