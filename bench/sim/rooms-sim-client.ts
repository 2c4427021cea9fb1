import type { Subprocess } from 'bun'
import { REPO_ROOT } from '../lib/child'
import type { RoomsSimStats } from './bilibili-rooms'

/** The parent's handle on a rooms simulator child process. */
export interface RoomsSimChild {
  /** Environment that points a lef child at this simulator. */
  lefEnv: Record<string, string>
  stats(): Promise<RoomsSimStats>
  traffic(intervalMs: number): Promise<void>
  stopTraffic(): Promise<void>
  /** With `framesFile`, the prepared frames are also written there (writeFramesFile). */
  prepare(messages: number, framesFile?: string): Promise<{ frames: number; messages: number }>
  blast(): Promise<{ frames: number; messages: number; ms: number }>
  /** Resolves when `rooms` sockets have authed, or throws after `timeoutMs`. */
  waitAuthed(rooms: number, timeoutMs: number): Promise<number>
  stop(): Promise<void>
}

export async function startRoomsSimChild(): Promise<RoomsSimChild> {
  const proc: Subprocess<'ignore', 'pipe', 'inherit'> = Bun.spawn([process.execPath, 'bench/sim/serve-bilibili-rooms.ts'], {
    cwd: REPO_ROOT, stdin: 'ignore', stdout: 'pipe', stderr: 'inherit',
  })
  const reader = proc.stdout.getReader()
  let head = ''
  while (!head.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error('rooms sim exited before printing its ports')
    head += new TextDecoder().decode(value)
  }
  // Keep draining so the child never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done) {}
  })().catch(() => {})
  const { port, control } = JSON.parse(head.slice(0, head.indexOf('\n'))) as { port: number; control: number }
  const call = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${control}${path}`)
    if (!res.ok) throw new Error(`rooms sim ${path}: ${res.status}`)
    return (await res.json()) as T
  }
  const base = `http://127.0.0.1:${port}`
  return {
    lefEnv: { BILIBILI_API_BASE: `${base}/api`, BILIBILI_LIVE_API_BASE: `${base}/live`, BILIBILI_WS_URL: `ws://127.0.0.1:${port}/sub` },
    stats: () => call('/stats'),
    traffic: (ms) => call(`/traffic?intervalMs=${ms}`),
    stopTraffic: () => call('/stop-traffic'),
    prepare: (messages, framesFile) => call(`/prepare?messages=${messages}${framesFile ? `&framesFile=${encodeURIComponent(framesFile)}` : ''}`),
    blast: () => call('/blast'),
    async waitAuthed(rooms, timeoutMs) {
      const deadline = performance.now() + timeoutMs
      for (;;) {
        const s = await call<RoomsSimStats>('/stats')
        if (s.authed >= rooms) return s.authed
        if (performance.now() > deadline) throw new Error(`only ${s.authed} of ${rooms} rooms authed within ${timeoutMs} ms`)
        await Bun.sleep(100)
      }
    },
    async stop() {
      proc.kill('SIGTERM')
      const t = setTimeout(() => proc.kill('SIGKILL'), 5_000)
      await proc.exited
      clearTimeout(t)
    },
  }
}
