import type { Socket, TCPSocketListener } from 'bun'

/**
 * A loopback TCP proxy that can be cut: while down it refuses new connections and has closed
 * every open one, which is what a client sees when the server behind it stops.
 */
export interface TcpProxy {
  port: number
  /** Close every connection and refuse new ones. */
  down(): void
  up(): void
  /** Keep connections open but let no byte through either way: a network that hangs. */
  stall(): void
  /** Stop stalling (bytes lost meanwhile stay lost, like on a real network that dropped them). */
  unstall(): void
  close(): void
}

/** `port`: listen there (e.g. a port a client was already told to use) instead of a free one. */
export function startTcpProxy(targetHost: string, targetPort: number, port = 0): TcpProxy {
  let isUp = true
  let stalled = false
  const pairs = new Set<{ client: Socket<Peer>; upstream?: Socket<{ client: Socket<Peer> }> }>()
  type Peer = { pair?: { client: Socket<Peer>; upstream?: Socket<{ client: Socket<Peer> }>; pending: Uint8Array[] } }

  const listener: TCPSocketListener<Peer> = Bun.listen<Peer>({
    hostname: '127.0.0.1',
    port,
    socket: {
      open(client) {
        if (!isUp) {
          client.end()
          return
        }
        const pair: NonNullable<Peer['pair']> = { client, pending: [] }
        client.data = { pair }
        pairs.add(pair)
        Bun.connect<{ client: Socket<Peer> }>({
          hostname: targetHost,
          port: targetPort,
          data: { client },
          socket: {
            open(up) {
              pair.upstream = up
              for (const chunk of pair.pending) up.write(chunk)
              pair.pending = []
            },
            data(_up, chunk) {
              if (!stalled) client.write(chunk)
            },
            close() {
              client.end()
            },
            error() {
              client.end()
            },
          },
        }).catch(() => client.end())
      },
      data(client, chunk) {
        const pair = client.data?.pair
        if (!pair || stalled) return
        if (pair.upstream) pair.upstream.write(chunk)
        else pair.pending.push(new Uint8Array(chunk))
      },
      close(client) {
        const pair = client.data?.pair
        if (!pair) return
        pair.upstream?.end()
        pairs.delete(pair)
      },
    },
  })

  return {
    port: listener.port,
    down() {
      isUp = false
      for (const p of pairs) {
        p.client.end()
        p.upstream?.end()
      }
      pairs.clear()
    },
    up() {
      isUp = true
    },
    stall() {
      stalled = true
    },
    unstall() {
      stalled = false
    },
    close() {
      this.down()
      listener.stop(true)
    },
  }
}
