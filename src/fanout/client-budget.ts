import type { Logger } from 'pino'

/** One client queue the budget watches (a bridge socket or an SSE stream, through its Feed). */
export interface BudgetMember {
  /** Bytes queued for this client now (asked again before it is cut). */
  queued(): number
  /** Cut the client for being the slowest while the total is over budget. */
  cutForBudget(reason: string): void
}

export interface ClientBudgetOptions {
  /** CLIENT_BUFFER_TOTAL: bytes queued for all bridge and SSE clients together, at most. */
  totalBytes: number
  log: Logger
  now?: () => number
  /** Exact re-measurements of every queue at most this often; between them recorded sizes are used. */
  refreshMs?: number
  /** Cut-off warnings at most this often (the count still covers every cut). */
  logEveryMs?: number
}

export interface ClientBudgetStats {
  /** Bytes queued for all clients, as last recorded. */
  queuedBytes: number
  /** Clients cut because the total went over CLIENT_BUFFER_TOTAL. */
  cuts: number
}

export const BUDGET_CUT_REASON = 'too slow: all client queues together are over CLIENT_BUFFER_TOTAL and this one is among the largest'

/**
 * One memory budget for every client send queue of both transports, on top of each client's
 * own CLIENT_MAX_BUFFER: thousands of clients each under their own limit can still hold more
 * memory than the process has. Feeds record their queue size after each write; when the sum is
 * over the budget the largest queues (the slowest readers) are cut first until it fits.
 */
export class ClientBudget {
  readonly stats: ClientBudgetStats = { queuedBytes: 0, cuts: 0 }
  private readonly members = new Map<BudgetMember, number>()
  private total = 0
  private lastRefresh = 0
  private lastLog = 0
  private cutsSinceLog = 0
  private enforcing = false
  private logTimer: ReturnType<typeof setTimeout> | undefined
  private readonly now: () => number

  constructor(private readonly opts: ClientBudgetOptions) {
    this.now = opts.now ?? Date.now
  }

  get limit(): number {
    return this.opts.totalBytes
  }

  join(member: BudgetMember): void {
    if (!this.members.has(member)) this.members.set(member, 0)
  }

  leave(member: BudgetMember): void {
    const bytes = this.members.get(member)
    if (bytes === undefined) return
    this.members.delete(member)
    this.setTotal(this.total - bytes)
  }

  /** A member's queue size after a write; cuts the largest queues if the total is over budget. */
  record(member: BudgetMember, bytes: number): void {
    const old = this.members.get(member)
    if (old === undefined) return
    this.members.set(member, bytes)
    this.setTotal(this.total + bytes - old)
    if (this.total > this.opts.totalBytes) this.enforce()
  }

  private setTotal(n: number): void {
    this.total = Math.max(0, n)
    this.stats.queuedBytes = this.total
  }

  private enforce(): void {
    // A cut closes a feed, which calls leave(); no re-entry while this loop runs.
    if (this.enforcing) return
    this.enforcing = true
    try {
      // Recorded sizes only grow between writes, so a queue that drained looks bigger than it is;
      // an exact pass first keeps a fast reader from being cut for bytes it already took.
      const now = this.now()
      if (now - this.lastRefresh >= (this.opts.refreshMs ?? 10)) {
        this.lastRefresh = now
        let sum = 0
        for (const m of this.members.keys()) {
          const q = m.queued()
          this.members.set(m, q)
          sum += q
        }
        this.setTotal(sum)
      }
      while (this.total > this.opts.totalBytes && this.members.size > 0) {
        const [largest, recorded] = this.largest()
        const live = largest.queued()
        if (live < recorded) {
          this.members.set(largest, live)
          this.setTotal(this.total - recorded + live)
          continue
        }
        this.members.delete(largest)
        this.setTotal(this.total - recorded)
        this.stats.cuts++
        this.cutsSinceLog++
        largest.cutForBudget(BUDGET_CUT_REASON)
      }
    } finally {
      this.enforcing = false
    }
    this.logCuts()
  }

  private largest(): [BudgetMember, number] {
    let best: [BudgetMember, number] | undefined
    for (const entry of this.members) if (!best || entry[1] > best[1]) best = entry
    return best as [BudgetMember, number]
  }

  private logCuts(): void {
    if (this.cutsSinceLog === 0) return
    const wait = this.lastLog + (this.opts.logEveryMs ?? 5000) - this.now()
    if (wait > 0) {
      // Cuts inside the quiet period are logged when it ends, so none goes unreported.
      this.logTimer ??= setTimeout(() => {
        this.logTimer = undefined
        this.logCuts()
      }, wait)
      this.logTimer.unref?.()
      return
    }
    this.opts.log.warn(
      { cut: this.cutsSinceLog, cutTotal: this.stats.cuts, clients: this.members.size, queuedBytes: this.total, budget: this.opts.totalBytes },
      'slowest clients cut: client send queues over CLIENT_BUFFER_TOTAL',
    )
    this.lastLog = this.now()
    this.cutsSinceLog = 0
  }
}
