import { Counter, type Registry } from 'prom-client'
import type { EventBus } from '../../bus/event-bus'

type Source = 'live' | 'upload' | 'relay'

/**
 * Events seen on this node, by platform, type and where they came from. The one metric that
 * counts in the hot path: the bus is the only place every event passes. Counts go into a plain
 * map and reach the counter when /metrics is scraped, because prom-client hashes and validates
 * the labels on every increment, which profiling put at several percent of ingest CPU.
 */
const SOURCES: readonly Source[] = ['live', 'upload', 'relay']

export function registerEventMetrics(registry: Registry, bus: EventBus): () => void {
  // platform → type → counts by SOURCES index: two lookups on the event's own strings, no key
  // built per event.
  const counts = new Map<string, Map<string, number[]>>()
  new Counter({
    name: 'lef_events_total',
    help: 'Events published on this node: source=live (a room connection or a bridge producer), upload (POST /upload), relay (another node via Redis)',
    labelNames: ['platform', 'type', 'source'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [platform, types] of counts) {
        for (const [type, n] of types) {
          SOURCES.forEach((source, i) => {
            if (n[i]! > 0) this.inc({ platform, type, source }, n[i])
          })
        }
      }
    },
  })
  return bus.subscribe((event, delivery) => {
    const source = !delivery.local ? 2 : delivery.stored ? 1 : 0
    let types = counts.get(event.platform)
    if (!types) counts.set(event.platform, (types = new Map()))
    let n = types.get(event.type)
    if (!n) types.set(event.type, (n = [0, 0, 0]))
    n[source]!++
  })
}
