export { createNormalizer, createCounters, type Normalizer, type NormalizeCounters } from './normalizer'
export { GiftStreakTracker, streakKey } from './gift-streak'
export type { NormalizeContext, HandlerOutput } from './context'
