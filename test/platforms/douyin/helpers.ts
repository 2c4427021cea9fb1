import { DEFAULT_PRICING, roomOrigin, type LefEvent } from '../../../src/events'
import type { SessionHooks, SessionPhase, RoomInfo } from '../../../src/platforms/connector'
import type { NormalizeContext } from '../../../src/platforms/douyin/normalize/context'
import type { GiftFacts } from '../../../src/platforms/douyin/normalize/gift'
import { GiftComboTracker } from '../../../src/platforms/douyin/normalize/gift-combo'
import { createLogger } from '../../../src/telemetry/logger'

export const silentLog = createLogger({ level: 'silent' })

/** A normaliser context that collects events; the clock is a plain variable tests move. */
export function testContext(room = '646454278948') {
  const events: LefEvent[] = []
  const clock = { now: 1_776_584_127_911 }
  const ctx: NormalizeContext = {
    room,
    origin: roomOrigin('douyin', room),
    pricing: DEFAULT_PRICING,
    anchorUid: '3789344204128560',
    anchorName: '内格夫教主Duck',
    now: () => clock.now,
    emit: (e) => events.push(e),
    combos: new GiftComboTracker<GiftFacts>({ idleMs: 10_000 }),
    log: silentLog,
  }
  return { ctx, events, clock }
}

/** Session hooks that record everything. */
export function recordingHooks() {
  const events: LefEvent[] = []
  const phases: SessionPhase[] = []
  const infos: Array<Partial<RoomInfo>> = []
  let alive = 0
  const hooks: SessionHooks = {
    emit: (e) => events.push(e),
    alive: () => {
      alive++
    },
    update: (p) => {
      if (p.phase) phases.push(p.phase)
      if (p.info) infos.push(p.info)
    },
  }
  return { hooks, events, phases, infos, alive: () => alive }
}
