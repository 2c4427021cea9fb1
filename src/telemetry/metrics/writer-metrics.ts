import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { WriterStats } from '../../store/event-writer'

export interface BatchObserver {
  /** One database batch finished (or failed) after `seconds`. */
  observeBatch(seconds: number, outcome: 'ok' | 'error', rows: number): void
}

/** The batched writer: buffer depth and row outcomes, read at scrape time. */
export function registerWriterMetrics(registry: Registry, writer: { readonly stats: WriterStats }, store?: { readonly copyConflicts: number }): void {
  const s = () => writer.stats
  new Gauge({
    name: 'lef_writer_buffered_events',
    help: 'Events waiting in memory for the database (grows while the database is slow or down)',
    registers: [registry],
    collect() {
      this.set(s().buffered)
    },
  })
  new Gauge({
    name: 'lef_writer_failing',
    help: '1 while the last database write failed (events are held and retried)',
    registers: [registry],
    collect() {
      this.set(s().failing ? 1 : 0)
    },
  })
  new Counter({
    name: 'lef_writer_rows_total',
    help: 'Rows by outcome: written (new), duplicate (already stored), rejected (invalid, logged), dropped (buffer full, logged)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const st = s()
      this.reset()
      this.inc({ outcome: 'written' }, st.written)
      this.inc({ outcome: 'duplicate' }, st.duplicates)
      this.inc({ outcome: 'rejected' }, st.rejected)
      this.inc({ outcome: 'dropped' }, st.dropped)
    },
  })
  new Counter({
    name: 'lef_writer_batches_total',
    help: 'Database batches written',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(s().batches)
    },
  })
  new Counter({
    name: 'lef_writer_copy_conflicts_total',
    help: 'COPY batches that met an id already stored and were copied again without it (PostgreSQL only; a steady rise means repeats arrive from beyond the in-memory duplicate filters and cost a second COPY each)',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(store?.copyConflicts ?? 0)
    },
  })
  new Counter({
    name: 'lef_database_errors_total',
    help: 'Failed batch writes (each is retried with backoff; timeouts count too)',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(s().failures)
    },
  })
}

/** Batch latency and size, observed per batch by the instrumented sink. */
export function registerWriterBatchMetrics(registry: Registry): BatchObserver {
  const latency = new Histogram({
    name: 'lef_writer_batch_duration_seconds',
    help: 'Time one database batch insert took',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const batchRows = new Histogram({
    name: 'lef_writer_batch_rows',
    help: 'Rows per database batch',
    buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 5000],
    registers: [registry],
  })
  return {
    observeBatch(seconds, outcome, rows) {
      latency.observe({ outcome }, seconds)
      if (outcome === 'ok') batchRows.observe(rows)
    },
  }
}
