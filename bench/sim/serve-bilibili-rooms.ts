import { startRoomsSim } from './bilibili-rooms'

/**
 * The rooms simulator as its own process (so its CPU is not lef's), driven over a loopback
 * control API. Prints `{"port":N,"control":M}` on its first stdout line.
 */
const sim = startRoomsSim()

const control = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  async fetch(req) {
    const url = new URL(req.url)
    const n = (k: string) => Number(url.searchParams.get(k))
    switch (url.pathname) {
      case '/stats':
        return Response.json(sim.stats)
      case '/traffic':
        sim.startTraffic(n('intervalMs'))
        return Response.json({ ok: true })
      case '/stop-traffic':
        sim.stopTraffic()
        return Response.json({ ok: true })
      case '/prepare':
        return Response.json(await sim.prepareBlast(n('messages'), url.searchParams.get('framesFile') ?? undefined))
      case '/blast':
        return Response.json(await sim.blast())
      default:
        return new Response('not found', { status: 404 })
    }
  },
})

console.log(JSON.stringify({ port: sim.port, control: control.port }))
process.on('SIGTERM', () => {
  void sim.close().then(() => process.exit(0))
})
