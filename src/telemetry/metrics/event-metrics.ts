import { Counter, type Registry } from 'prom-client'
import type { EventBus } from '../../bus/event-bus'

/**
 * Events seen on this node, by platform, type and where they came from. The one metric that
 * counts in the hot path: the bus is the only place every event passes, and an increment of a
 * labelled counter is cheap.
 */
export function registerEventMetrics(registry: Registry, bus: EventBus): () => void {
  const events = new Counter({
    name: 'lef_events_total',
    help: 'Events published on this node: source=live (a room connection or a bridge producer), upload (POST /upload), relay (another node via Redis)',
    labelNames: ['platform', 'type', 'source'] as const,
    registers: [registry],
  })
  return bus.subscribe((event, delivery) => {
    const source = !delivery.local ? 'relay' : delivery.stored ? 'upload' : 'live'
    events.inc({ platform: event.platform, type: event.type, source })
  })
}
