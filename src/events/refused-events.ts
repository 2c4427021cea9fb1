import type { Logger } from 'pino'
import type { LefEvent } from './event'

/**
 * The one count of events lef received but did not keep (`lef_events_refused_total{reason}`).
 * Any part that refuses an event calls `refuse`: the event is counted under its reason and
 * logged, at most once a second per reason so an outage cannot flood the log.
 */
export class RefusedEvents {
  private readonly counts = new Map<string, number>()
  private readonly lastLog = new Map<string, number>()

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  refuse(reason: string, event?: Pick<LefEvent, 'id' | 'type' | 'room'>, detail?: Record<string, unknown>): void {
    const n = (this.counts.get(reason) ?? 0) + 1
    this.counts.set(reason, n)
    const t = this.now()
    if (t - (this.lastLog.get(reason) ?? -Infinity) < 1000) return
    this.lastLog.set(reason, t)
    this.log.error({ reason, refused: n, id: event?.id, type: event?.type, room: event?.room, ...detail }, 'event refused')
  }

  /** Counts per reason since start. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts)
  }

  get total(): number {
    let sum = 0
    for (const n of this.counts.values()) sum += n
    return sum
  }
}
