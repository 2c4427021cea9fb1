import { Counter, type Registry } from 'prom-client'
import type { EventBus } from '../../bus/event-bus'

type Source = 'live' | 'upload' | 'relay'

/**
 * Events seen on this node, by platform, type and where they came from. The one metric that
 * counts in the hot path: the bus is the only place every event passes. Counts go into a plain
 * map and reach the counter when /metrics is scraped, because prom-client hashes and validates
 * the labels on every increment, which profiling put at several percent of ingest CPU.
 */
export function registerEventMetrics(registry: Registry, bus: EventBus): () => void {
  const counts = new Map<string, { platform: string; type: string; source: Source; n: number }>()
  new Counter({
    name: 'lef_events_total',
    help: 'Events published on this node: source=live (a room connection or a bridge producer), upload (POST /upload), relay (another node via Redis)',
    labelNames: ['platform', 'type', 'source'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const c of counts.values()) this.inc({ platform: c.platform, type: c.type, source: c.source }, c.n)
    },
  })
  return bus.subscribe((event, delivery) => {
    const source: Source = !delivery.local ? 'relay' : delivery.stored ? 'upload' : 'live'
    const key = `${event.platform}\0${event.type}\0${source}`
    const c = counts.get(key)
    if (c) c.n++
    else counts.set(key, { platform: event.platform, type: event.type, source, n: 1 })
  })
}
