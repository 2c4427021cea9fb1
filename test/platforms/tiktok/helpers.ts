import { Writable } from 'node:stream'
import type { LefEvent } from '../../../src/events'
import type { RoomInfo, SessionHooks, SessionPhase } from '../../../src/platforms/connector'
import { createLogger, type Logger } from '../../../src/telemetry/logger'
import { readFixture, readFixtureJson } from '../../fixtures'

/** A payload fixture: each `.bin` is one line of base64 (see SOURCES.md). */
export function payloadFixture(name: string): Uint8Array {
  return Buffer.from(readFixture('tiktok', 'TikTokLiveJava', 'client-test-resources', name).toString('utf8').trim(), 'base64')
}

export type Collector = Record<string, Array<{ eventData: string; uniqueId: string; ts: string }>>

export function collectorFixture(name: 'jw' | 'web' | 'link'): Collector {
  return readFixtureJson<Collector>('tiktok', 'TikTokLiveJava', 'events-collector', `${name}.json`)
}

/** A logger whose JSON lines the test can read. */
export function captureLogger(level = 'debug'): { log: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = []
  const dest = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    },
  })
  const log = createLogger({ level, destination: dest })
  return {
    log,
    lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

export interface RecordingHooks extends SessionHooks {
  events: LefEvent[]
  phases: SessionPhase[]
  info: Partial<RoomInfo>
  aliveCount: number
}

export function recordingHooks(): RecordingHooks {
  const hooks: RecordingHooks = {
    events: [],
    phases: [],
    info: {},
    aliveCount: 0,
    emit(e) {
      hooks.events.push(e)
    },
    alive() {
      hooks.aliveCount++
    },
    update(patch) {
      if (patch.phase) hooks.phases.push(patch.phase)
      if (patch.info) Object.assign(hooks.info, patch.info)
    },
  }
  return hooks
}

/** Poll until `check` holds. */
export async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await Bun.sleep(5)
  }
}
