import { Counter, type Registry } from 'prom-client'

/** `lef_events_refused_total{reason}`: every event lef received and did not keep, read at scrape time. */
export function registerRefusedMetrics(registry: Registry, refused: { snapshot(): Record<string, number> }): void {
  new Counter({
    name: 'lef_events_refused_total',
    help: 'Events lef received but refused (not published or not stored), by reason; each is also logged',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [reason, n] of Object.entries(refused.snapshot())) this.inc({ reason }, n)
    },
  })
}
