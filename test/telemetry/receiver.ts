import { gunzipSync } from 'node:zlib'

export interface Received {
  path: string
  headers: Record<string, string>
  body: string
}

/** A loopback HTTP server that records every request (OTLP, Sentry envelopes, Axiom ingest). */
export function startReceiver() {
  const received: Received[] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      let bytes = new Uint8Array(await req.arrayBuffer())
      if (req.headers.get('content-encoding') === 'gzip') bytes = new Uint8Array(gunzipSync(bytes))
      received.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body: new TextDecoder().decode(bytes) })
      return Response.json({})
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    received,
    /** Wait until a request matches. */
    async waitFor(pred: (r: Received) => boolean, ms = 10_000): Promise<Received> {
      const end = Date.now() + ms
      for (;;) {
        const hit = received.find(pred)
        if (hit) return hit
        if (Date.now() > end) throw new Error(`nothing matching arrived; got ${received.map((r) => r.path).join(', ') || 'nothing'}`)
        await Bun.sleep(20)
      }
    },
    stop: () => server.stop(true),
  }
}
