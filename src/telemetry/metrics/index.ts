import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { EventBus } from '../../bus/event-bus'
import type { Platform } from '../../events'
import type { RoomDirectory } from '../../rooms/room-status'
import type { WriterStats } from '../../store/event-writer'
import { registerClientMetrics, type ClientSources } from './client-metrics'
import { registerConnectorMetrics } from './connector-metrics'
import { registerEventMetrics } from './event-metrics'
import { registerRefusedMetrics } from './refused-metrics'
import { registerRoomMetrics } from './room-metrics'
import { registerSpoolMetrics } from './spool-metrics'
import type { SpoolStats } from '../../spool/spool'
import { registerWriterBatchMetrics, registerWriterMetrics, type BatchObserver } from './writer-metrics'

export type { BatchObserver } from './writer-metrics'

export interface MetricsSources extends ClientSources {
  bus: EventBus
  writer: { readonly stats: WriterStats }
  /** The event store: how often a COPY met a stored id. */
  store?: { readonly copyConflicts: number }
  rooms: RoomDirectory
  /** The durable spool, when DATA_DIR holds one. */
  spool?: { readonly stats: SpoolStats }
  connectors: Partial<Record<Platform, object>>
  /** Every event refused anywhere, by reason. */
  refused?: { snapshot(): Record<string, number> }
}

export interface Metrics extends BatchObserver {
  /** This app's own registry (never prom-client's global one: several apps may share a process in tests). */
  readonly registry: Registry
  /** Start reading the parts once they exist (the writer's sink needs `observeBatch` before that). */
  watch(src: MetricsSources): void
  /** Stop counting (unsubscribes from the bus). */
  close(): void
}

/**
 * Everything `/metrics` shows. Most values are read from the parts' own stats objects when
 * Prometheus scrapes, so nothing is counted twice and the hot paths stay untouched.
 */
export function createMetrics(opts: { version: string }): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Bun answers v8.getHeapSpaceStatistics by walking the whole heap: ~30 ms per scrape at a
  // million objects, a stall of the event loop every scrape interval. JavaScriptCore has no
  // V8 heap spaces to report anyway; heap totals still come from process.memoryUsage().
  for (const kind of ['total', 'used', 'available']) registry.removeSingleMetric(`nodejs_heap_space_size_${kind}_bytes`)
  new Gauge({
    name: 'lef_info',
    help: 'Always 1; the version label tells which lef runs',
    labelNames: ['version'] as const,
    registers: [registry],
  }).set({ version: opts.version }, 1)
  const batches = registerWriterBatchMetrics(registry)
  let unsubscribe: (() => void) | undefined
  return {
    registry,
    observeBatch: batches.observeBatch,
    watch(src) {
      if (unsubscribe) throw new Error('metrics already watch an app')
      unsubscribe = registerEventMetrics(registry, src.bus)
      registerWriterMetrics(registry, src.writer, src.store)
      registerRoomMetrics(registry, src.rooms)
      registerClientMetrics(registry, src)
      registerConnectorMetrics(registry, src.connectors)
      if (src.refused) registerRefusedMetrics(registry, src.refused)
      if (src.spool) registerSpoolMetrics(registry, src.spool)
    },
    close() {
      unsubscribe?.()
    },
  }
}
