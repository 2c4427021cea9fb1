/**
 * Douyin pushes a gift combo as a run of GiftMessages with a growing repeat_count, often 2–3
 * copies of each, usually closed by one with repeat_end = 1 and sometimes never closed. We count
 * each combo once: key = group_id + user + gift_id; repeat_count deltas against what was already
 * counted; the combo is emitted when it ends (repeat_end, a gift that cannot combo, idle timeout,
 * or the session ending). A closed key is remembered a while so late copies add nothing, while a
 * late message with a higher repeat_count still counts its delta as a new event.
 */

/** One GiftMessage reduced to what combo counting needs, plus the facts to build the event. */
export interface GiftSend<F> {
  key: string
  /** repeat_count: the combo's running total so far (≥ 1). */
  repeatCount: number
  /** repeat_end = 1, or the gift cannot combo: this message closes the combo. */
  ends: boolean
  facts: F
}

/** A finished stretch of a combo: gifts number `from`..`to` (repeat_count values). */
export interface ComboResult<F> {
  key: string
  from: number
  to: number
  facts: F
}

export interface GiftComboOptions {
  /** A combo with no message for this long is finished (default 10 s). */
  idleMs?: number
  /** A finished combo's count is kept this long to drop late copies (default 5 min). */
  retainMs?: number
}

interface ComboState<F> {
  counted: number
  seen: number
  open: boolean
  lastAt: number
  facts: F
}

export class GiftComboTracker<F = unknown> {
  private readonly combos = new Map<string, ComboState<F>>()
  readonly idleMs: number
  readonly retainMs: number

  constructor(opts: GiftComboOptions = {}) {
    this.idleMs = opts.idleMs ?? 10_000
    this.retainMs = opts.retainMs ?? 300_000
  }

  /** Feed one message; returns combos (or combo stretches) it finished. */
  add(send: GiftSend<F>, now: number): ComboResult<F>[] {
    const rc = Math.max(1, send.repeatCount)
    let st = this.combos.get(send.key)
    if (!st) {
      st = { counted: 0, seen: rc, open: true, lastAt: now, facts: send.facts }
      this.combos.set(send.key, st)
    } else {
      if (rc > st.seen) {
        st.seen = rc
        st.facts = send.facts
      }
      if (!st.open && st.seen > st.counted) st.open = true
      if (st.open) st.lastAt = now
    }
    if (st.open && send.ends) return this.close(send.key, st, now)
    return []
  }

  /** Finish combos idle for `idleMs`; forget finished ones older than `retainMs`. */
  sweep(now: number): ComboResult<F>[] {
    const out: ComboResult<F>[] = []
    for (const [key, st] of this.combos) {
      if (st.open && now - st.lastAt >= this.idleMs) out.push(...this.close(key, st, now))
      else if (!st.open && now - st.lastAt >= this.retainMs) this.combos.delete(key)
    }
    return out
  }

  /** Finish every open combo (the session is ending: nothing may stay uncounted). */
  flushAll(now: number): ComboResult<F>[] {
    const out: ComboResult<F>[] = []
    for (const [key, st] of this.combos) if (st.open) out.push(...this.close(key, st, now))
    return out
  }

  /** Combos still waiting for their end. */
  get openCount(): number {
    let n = 0
    for (const st of this.combos.values()) if (st.open) n++
    return n
  }

  private close(key: string, st: ComboState<F>, now: number): ComboResult<F>[] {
    st.open = false
    st.lastAt = now
    if (st.seen <= st.counted) return []
    const result = { key, from: st.counted + 1, to: st.seen, facts: st.facts }
    st.counted = st.seen
    return [result]
  }
}
