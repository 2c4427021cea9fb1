import { Counter, type Registry } from 'prom-client'
import type { Platform } from '../../events'
import { flattenStats } from './flatten-stats'

/** The fields connectors keep their counters in (bilibili `counters`, douyin `stats`, tiktok `counters` and `transport`). */
const STAT_FIELDS = ['counters', 'stats', 'transport'] as const

/** Each connector's own counters (frames, bad frames, unknown message types, ...), read at scrape time. */
export function registerConnectorMetrics(registry: Registry, connectors: Partial<Record<Platform, object>>): void {
  new Counter({
    name: 'lef_connector_stat_total',
    help: 'Connector counters as each platform keeps them: stat is the counter path, key the message type for keyed counters',
    labelNames: ['platform', 'stat', 'key'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [platform, connector] of Object.entries(connectors)) {
        if (!connector) continue
        for (const field of STAT_FIELDS) {
          const stats = (connector as Record<string, unknown>)[field]
          if (stats === undefined) continue
          for (const s of flattenStats(stats, field)) this.inc({ platform, stat: s.stat, key: s.key }, s.value)
        }
      }
    },
  })
}
