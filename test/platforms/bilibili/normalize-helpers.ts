import pino from 'pino'
import type { Pricing } from '../../../src/events'
import { createCounters } from '../../../src/platforms/bilibili/counters'
import { Normalizer } from '../../../src/platforms/bilibili/normalize'

export const ROOM_ID = 77777777774
export const NOW = 1_764_000_000_000

/** A normaliser for room 77777777774 (the masked fixtures' room) with a fixed clock. */
export function makeNormalizer(opts: { anchorUid?: number; now?: () => number; pricing?: Pricing } = {}) {
  const counters = createCounters()
  const live: boolean[] = []
  const normalizer = new Normalizer({
    roomId: ROOM_ID,
    anchorUid: opts.anchorUid ?? 0,
    counters,
    log: pino({ level: 'silent' }),
    now: opts.now ?? (() => NOW),
    setLive: (v) => live.push(v),
    pricing: opts.pricing,
  })
  return { normalizer, counters, live }
}
