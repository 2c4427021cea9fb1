import net from 'node:net'
import type { App } from '../../src/app'
import type { LefEvent } from '../../src/events'

/** Starting and stopping whole apps (migrations, Redis connects) can be slow on a loaded CI box. */
export const HOOK_TIMEOUT_MS = 30_000

/** The bridge URL of a running app, with optional query. */
export function bridgeUrl(app: Pick<App, 'url'>, query: Record<string, string> = {}): string {
  const u = new URL(app.url.replace(/^http/, 'ws') + '/')
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
  return u.toString()
}

export type Frame = { type: string; [k: string]: unknown }

/** Waits until `check` returns a value (not undefined) or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(5)
  }
}

/** A plain WebSocket bridge client that records every frame. */
export class BridgeTestClient {
  readonly frames: Frame[] = []
  readonly ws: WebSocket
  closed = false
  closeCode: number | undefined

  constructor(url: string, protocols?: string[]) {
    this.ws = new WebSocket(url, protocols)
    this.ws.onmessage = (m) => this.frames.push(JSON.parse(String(m.data)) as Frame)
    this.ws.onclose = (e) => {
      this.closed = true
      this.closeCode = e.code
    }
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === WebSocket.OPEN) return resolve()
      this.ws.addEventListener('open', () => resolve(), { once: true })
      this.ws.addEventListener('error', () => reject(new Error('websocket failed to open')), { once: true })
    })
  }

  /** Frames that are events (not protocol frames). */
  events(): LefEvent[] {
    return this.frames.filter((f) => !['established', 'ping', 'error', 'broadcast-success', 'client-message-received'].includes(f.type)) as unknown as LefEvent[]
  }

  frame(type: string): Promise<Frame> {
    return waitFor(`a ${type} frame`, () => this.frames.find((f) => f.type === type))
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  close(): void {
    this.ws.close()
  }
}

export interface SseMessage {
  event?: string
  id?: string
  data?: string
  retry?: number
  comment?: string
}

/** A fetch-based SSE reader that keeps every block, comments included (eventsource hides those). */
export class SseTestClient {
  readonly messages: SseMessage[] = []
  status = 0
  ended = false
  private readonly abort = new AbortController()
  readonly done: Promise<void>

  constructor(url: string, headers: Record<string, string> = {}) {
    this.done = this.run(url, headers)
  }

  events(): SseMessage[] {
    return this.messages.filter((m) => m.data !== undefined)
  }

  ids(): string[] {
    return this.events().flatMap((m) => (m.id !== undefined ? [m.id] : []))
  }

  close(): void {
    this.abort.abort()
  }

  private async run(url: string, headers: Record<string, string>): Promise<void> {
    try {
      const res = await fetch(url, { headers, signal: this.abort.signal })
      this.status = res.status
      if (!res.body) return
      const decoder = new TextDecoder()
      let buf = ''
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true })
        let end
        while ((end = buf.indexOf('\n\n')) >= 0) {
          this.messages.push(parseBlock(buf.slice(0, end)))
          buf = buf.slice(end + 2)
        }
      }
    } catch {
      // aborted
    } finally {
      this.ended = true
    }
  }
}

function parseBlock(block: string): SseMessage {
  const m: SseMessage = {}
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) m.comment = line.slice(1).trim()
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const field = line.slice(0, colon)
    const value = line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') m.event = value
    else if (field === 'id') m.id = value
    else if (field === 'data') m.data = m.data === undefined ? value : `${m.data}\n${value}`
    else if (field === 'retry') m.retry = Number(value)
  }
  return m
}

/** POST events to /upload with the given key; returns the response JSON. */
export async function upload(app: Pick<App, 'url'>, key: string, events: unknown[]): Promise<{ data: { inserted: number } }> {
  const res = await fetch(`${app.url}/upload`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(events) })
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as { data: { inserted: number } }
}

/** A TCP client that sends a request and then never reads another byte. */
export function stalledClient(port: number, request: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(request)
      sock.pause()
      resolve(sock)
    })
    sock.on('error', () => {})
    sock.once('error', reject)
  })
}
