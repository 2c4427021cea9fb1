/**
 * Connector counters come in each platform's own shape (numbers, nested objects, Maps and
 * records keyed by message type). Metrics read them generically, so a connector adding a
 * counter shows up in `/metrics` without a change here.
 */

export interface StatSample {
  /** Dotted path inside the stats object, e.g. `transport.frames` or `messages.byMethod`. */
  stat: string
  /** The map key for keyed counters (`WebcastChatMessage`), '' for plain ones. */
  key: string
  value: number
}

/** Walk a stats object: finite numbers become samples; Maps and all-number records become keyed samples. */
export function flattenStats(root: unknown, prefix: string): StatSample[] {
  const out: StatSample[] = []
  walk(root, prefix, out, true)
  return out
}

function walk(value: unknown, path: string, out: StatSample[], top: boolean): void {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) out.push({ stat: path, key: '', value })
    return
  }
  if (value instanceof Map) {
    for (const [k, v] of value) if (typeof v === 'number' && Number.isFinite(v)) out.push({ stat: path, key: String(k), value: v })
    return
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return
  const entries = Object.entries(value)
  // A nested record whose values are all numbers is keyed by something dynamic (a method name).
  if (!top && entries.length > 0 && entries.every(([, v]) => typeof v === 'number')) {
    for (const [k, v] of entries) if (Number.isFinite(v)) out.push({ stat: path, key: k, value: v as number })
    return
  }
  for (const [k, v] of entries) walk(v, `${path}.${k}`, out, false)
}
