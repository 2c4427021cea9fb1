import pino from 'pino'
import type { LefEvent } from '../../../src/events'
import type { RoomInfo, SessionHooks, SessionPhase } from '../../../src/platforms/connector'

/** Records what a session reports through its hooks. */
export function recordHooks() {
  const events: LefEvent[] = []
  const phases: SessionPhase[] = []
  const info: Array<Partial<RoomInfo>> = []
  let alive = 0
  const hooks: SessionHooks = {
    emit: (e) => events.push(e),
    alive: () => {
      alive++
    },
    update: (patch) => {
      if (patch.phase) phases.push(patch.phase)
      if (patch.info) info.push(patch.info)
    },
  }
  return {
    hooks,
    events,
    phases,
    info,
    get alive() {
      return alive
    },
  }
}

/** Lines a logger wrote, to check what is (and is not) logged. */
export function captureLog() {
  const lines: string[] = []
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) })
  return { log, lines }
}

export { waitFor } from '../../support/wait-for'
