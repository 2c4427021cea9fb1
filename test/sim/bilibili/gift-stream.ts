import { giftEventId } from '../../../src/platforms/bilibili/handlers/gift'
import { ScriptedRoom } from './scripted-room'
import type { BilibiliSim } from './sim'

export interface GiftStream {
  /** Event ids lef gives the gifts sent while at least one lef socket was authenticated. */
  readonly delivered: Set<string>
  /** When (ms, Date.now) each delivered gift went out. */
  readonly deliveredAt: Map<string, number>
  /** Event ids of gifts sent while lef had no socket: real Bilibili has no replay, so these are missed. */
  readonly missed: string[]
  readonly sent: number
  /** Gifts sent while two or more lef sockets were open (each socket got a copy). */
  readonly doubled: number
  /** Gifts sent from `t` on (ms, Date.now) while no socket was open: the gap a fault made. */
  missedSince(t: number): number
  stop(): void
}

/**
 * A steady stream of gifts into a simulated room (default 200/s), each with a unique tid, sent
 * whether or not anyone listens, as upstream does. Every gift is recorded as delivered (some
 * socket got it) or missed (none was open).
 */
export function startGiftStream(sim: BilibiliSim, opts: { perSecond?: number; tickMs?: number } = {}): GiftStream {
  const perSecond = opts.perSecond ?? 200
  const room = new ScriptedRoom({ roomId: sim.roomId, seed: 18 })
  const delivered = new Set<string>()
  const deliveredAt = new Map<string, number>()
  const missed: string[] = []
  const missedAt: number[] = []
  const started = performance.now()
  let sent = 0
  let doubled = 0
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * perSecond) / 1000) - sent
    if (due <= 0) return
    const gifts = Array.from({ length: due }, () => room.gift())
    sent += due
    const sockets = sim.send(...gifts)
    if (sockets > 1) doubled += due
    for (const g of gifts) {
      const id = giftEventId(String(g.data.tid))
      if (sockets > 0) {
        delivered.add(id)
        deliveredAt.set(id, Date.now())
      } else {
        missed.push(id)
        missedAt.push(Date.now())
      }
    }
  }, opts.tickMs ?? 10)
  return {
    delivered,
    deliveredAt,
    missed,
    get sent() {
      return sent
    },
    get doubled() {
      return doubled
    },
    missedSince: (t) => missedAt.filter((x) => x >= t).length,
    stop: () => clearInterval(timer),
  }
}
