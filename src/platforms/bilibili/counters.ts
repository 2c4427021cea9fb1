/**
 * What one Bilibili connector has seen, for metrics (the integrator reads these; plain
 * numbers and maps so any exporter can walk them).
 */
export interface BilibiliCounters {
  /** op 5 messages handled. */
  messages: number
  /** Events emitted. */
  events: number
  /** Events dropped because the same id was just emitted (SC/_JPN, toast/_V2 twins). */
  duplicates: number
  /** Known cmds we deliberately turn into no event (COMBO_SEND, GUARD_BUY, …). */
  ignored: number
  /** WebSocket messages that failed to decode (bad framing/compression/JSON). */
  badFrames: number
  /** Unknown cmd → count. */
  unknownCmds: Map<string, number>
  /** cmd → handler failures (odd data). */
  handlerErrors: Map<string, number>
}

export function createCounters(): BilibiliCounters {
  return { messages: 0, events: 0, duplicates: 0, ignored: 0, badFrames: 0, unknownCmds: new Map(), handlerErrors: new Map() }
}

export function bump(map: Map<string, number>, key: string): number {
  const n = (map.get(key) ?? 0) + 1
  map.set(key, n)
  return n
}
