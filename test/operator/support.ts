import { startApp, type App } from '../../src/app'
import { parseEnv } from '../../src/config'
import { formatRoomKey, type Platform, type RoomKey } from '../../src/events'
import type { Connector, SessionEnd } from '../../src/platforms/connector'
import { silentLog } from '../support/app'

export { waitFor } from '../support/wait-for'

/** The AUTH_KEY operator tests run with (writes need one); `api()` sends it unless told otherwise. */
export const OPERATOR_KEY = 'operator-test-key'

/** A whole lef on a random port; `connectors` replaces platform connectors (e.g. counting wrappers). */
export async function startNode(env: Record<string, string>, connectors?: Partial<Record<Platform, Connector>>): Promise<App> {
  const config = parseEnv({ PORT: '0', HOST: '127.0.0.1', ROOMS: '', PRUNE_INTERVAL: 'off', RESTART_INTERVAL: 'off', NODE_ID: `test-${crypto.randomUUID().slice(0, 8)}`, AUTH_KEY: OPERATOR_KEY, ...env })
  return startApp(config, { inMemoryDatabase: !env.DATA_DIR, log: silentLog, connectors })
}

/**
 * Counts sessions per room across every node of a test: how many run now, and the most that
 * ever ran at once. Two nodes connecting one room at once shows up as a peak above 1.
 */
export class SessionProbe {
  readonly running = new Map<string, number>()
  readonly peak = new Map<string, number>()
  readonly started = new Map<string, number>()

  wrap(connector: Connector): Connector {
    return {
      platform: connector.platform,
      idleTimeoutMs: connector.idleTimeoutMs,
      session: async (room, hooks, signal, log) => {
        const id = formatRoomKey(room)
        const now = (this.running.get(id) ?? 0) + 1
        this.running.set(id, now)
        this.peak.set(id, Math.max(now, this.peak.get(id) ?? 0))
        this.started.set(id, (this.started.get(id) ?? 0) + 1)
        try {
          return await connector.session(room, hooks, signal, log)
        } finally {
          this.running.set(id, (this.running.get(id) ?? 1) - 1)
        }
      },
    }
  }

  maxPeak(): number {
    return Math.max(0, ...this.peak.values())
  }
}

/** A connector that "connects" at once and stays up until aborted; nothing leaves the machine. */
export function quietConnector(platform: Platform = 'bilibili'): Connector {
  return {
    platform,
    idleTimeoutMs: 600_000,
    session: (_room: RoomKey, hooks, signal) =>
      new Promise<SessionEnd>((resolve) => {
        hooks.update({ phase: 'resolving' })
        hooks.update({ phase: 'connected', info: { live: true } })
        signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true })
      }),
  }
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

export async function api<T = unknown>(app: App, method: string, path: string, body?: unknown, key: string | null = OPERATOR_KEY): Promise<{ status: number; json: { success: boolean; status: number; data: T; message?: string } }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(key ? bearer(key) : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json()) as never }
}
