import type { WebcastGiftMessage } from '../../../gen/tiktok/messages_pb'

/** Streak key: one streak is one (user, gift, groupId) (docs §1.7). */
export function streakKey(msg: WebcastGiftMessage): string {
  return `${msg.user?.id ?? ''}:${msg.giftId}:${msg.groupId}`
}

interface Pending {
  last: WebcastGiftMessage
  count: number
  seenAt: number
}

export interface StreakOptions {
  /** A streak with no frame for this long is emitted as it stands (its end frame was lost). */
  timeoutMs: number
  now: () => number
  /** How many finished streak keys to remember, so a replayed end frame is not counted twice. */
  rememberFinished?: number
}

/**
 * Counts streakable gifts once: frames with a rising repeatCount are held, and only the
 * repeatEnd frame (with the highest count seen) comes out. A streak whose end frame never
 * arrives (socket dropped, TikTok skipped it) comes out after `timeoutMs` via `expire()`, so a
 * paid gift is not lost. Keep one tracker per room across sessions: an end frame may arrive
 * on the next connection.
 */
export class GiftStreakTracker {
  private readonly pending = new Map<string, Pending>()
  private readonly finished = new Set<string>()
  private readonly rememberFinished: number

  constructor(private readonly opts: StreakOptions) {
    this.rememberFinished = opts.rememberFinished ?? 2000
  }

  get size(): number {
    return this.pending.size
  }

  /** A streakable gift frame → the frame to emit with its final count, or null while it runs. */
  offer(msg: WebcastGiftMessage): { msg: WebcastGiftMessage; count: number } | null {
    const key = streakKey(msg)
    if (this.finished.has(key)) return null
    const prev = this.pending.get(key)
    // msgIds are not ordered with repeatCount: keep the highest count seen.
    const count = Math.max(msg.repeatCount, prev?.count ?? 0)
    if (msg.repeatEnd !== 0) {
      this.pending.delete(key)
      this.markFinished(key)
      return { msg, count }
    }
    this.pending.set(key, { last: count === msg.repeatCount ? msg : (prev?.last ?? msg), count, seenAt: this.opts.now() })
    return null
  }

  /** Streaks idle past the timeout (or all, with `all`), removed and returned for emitting. */
  expire(all = false): Array<{ msg: WebcastGiftMessage; count: number }> {
    const out: Array<{ msg: WebcastGiftMessage; count: number }> = []
    const now = this.opts.now()
    for (const [key, p] of this.pending) {
      if (!all && now - p.seenAt < this.opts.timeoutMs) continue
      this.pending.delete(key)
      this.markFinished(key)
      out.push({ msg: p.last, count: p.count })
    }
    return out
  }

  private markFinished(key: string): void {
    this.finished.add(key)
    if (this.finished.size > this.rememberFinished) {
      const oldest = this.finished.values().next()
      if (!oldest.done) this.finished.delete(oldest.value)
    }
  }
}
