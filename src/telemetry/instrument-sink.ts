import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api'
import type { WriterSink } from '../store/event-writer'
import type { BatchObserver } from './metrics'

export interface SinkInstruments {
  /** OTel tracer when OTEL_EXPORTER_OTLP_ENDPOINT is set: one span per batch. */
  tracer?: Tracer
  /** Batch latency for /metrics. */
  batches?: BatchObserver
  now?: () => number
}

/**
 * The writer's sink with a span and a latency sample around every batch insert. A decorator so
 * the writer and the store stay free of telemetry code.
 */
export function instrumentSink(sink: WriterSink, inst: SinkInstruments): WriterSink {
  const now = inst.now ?? performance.now.bind(performance)
  return {
    prepare: sink.prepare?.bind(sink),
    restamp: sink.restamp?.bind(sink),
    async insertRows(rows) {
      const started = now()
      const span = inst.tracer?.startSpan('db.insert events', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.operation.name': 'INSERT', 'db.collection.name': 'events', 'db.operation.batch.size': rows.length },
      })
      try {
        const inserted = await sink.insertRows(rows)
        inst.batches?.observeBatch((now() - started) / 1000, 'ok', rows.length)
        span?.setAttribute('lef.rows.inserted', inserted.size)
        return inserted
      } catch (err) {
        inst.batches?.observeBatch((now() - started) / 1000, 'error', rows.length)
        if (span) {
          span.recordException(err instanceof Error ? err : String(err))
          span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
        }
        throw err
      } finally {
        span?.end()
      }
    },
  }
}
