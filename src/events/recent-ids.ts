/**
 * A bounded set of recently seen event ids. Upstreams send some events twice (Bilibili's
 * SUPER_CHAT and its _JPN twin, reconnect replays); remembering the last few thousand ids lets
 * the cheap cases be caught in memory before anything reaches a client or the database, which
 * dedupes on id anyway.
 *
 * Two generations of `capacity` ids each: new ids go into the current one, and when it is full
 * it becomes the previous one and the one before is dropped whole. So at least the last
 * `capacity` ids (at most twice that) are remembered, and no id is ever deleted one by one:
 * evicting a Set's oldest entry again and again made JavaScriptCore walk its deleted slots (a
 * quarter of lef's CPU in the ingest benchmark once), and a ring of ids beside the Set still
 * cost a delete and a write per id (measured: 0.34 against 0.14 µs per id at 20,000).
 */
export class RecentIds {
  private current = new Set<string>()
  private previous = new Set<string>()

  /**
   * The default, for a room's window: twins and reconnect replays arrive within a few hundred
   * ids. A busy room holds 2,048–4,096 ids (~0.2–0.4 MB), the most the ring kept before.
   */
  constructor(private readonly capacity = 2048) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
  }

  /** Ids remembered now (between `capacity` and twice that once that many were seen). */
  get size(): number {
    return this.current.size + this.previous.size
  }

  has(id: string): boolean {
    return this.current.has(id) || this.previous.has(id)
  }

  /** True the first time an id is seen (and remembers it). */
  add(id: string): boolean {
    if (this.previous.has(id)) return false
    // One hash lookup instead of has() then add(): the size says whether the id was new.
    const ids = this.current
    const before = ids.size
    ids.add(id)
    if (ids.size === before) return false
    if (ids.size >= this.capacity) {
      this.previous = ids
      this.current = new Set()
    }
    return true
  }
}
