/**
 * A bounded set of recently emitted event ids. Bilibili sends some events twice (SUPER_CHAT
 * and its _JPN twin, USER_TOAST_MSG and _V2, SEND_GIFT and SEND_GIFT_V2 during the 2026
 * grey release): the store dedupes on id anyway, this keeps live clients from seeing twins.
 */
export class RecentIds {
  private readonly ids = new Set<string>()

  constructor(private readonly capacity = 4096) {}

  /** True the first time an id is seen (and remembers it). */
  add(id: string): boolean {
    if (this.ids.has(id)) return false
    this.ids.add(id)
    if (this.ids.size > this.capacity) {
      // Sets iterate in insertion order: drop the oldest.
      const oldest = this.ids.values().next().value
      if (oldest !== undefined) this.ids.delete(oldest)
    }
    return true
  }
}
