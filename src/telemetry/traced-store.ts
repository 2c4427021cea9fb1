import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api'
import type { EventStore } from '../store/event-store'

/**
 * The EventStore calls outside the writer (uploads, REST queries, resumes, pruning), each in a
 * span. `insertRows` is left out: the writer's sink already has its span (see instrument-sink).
 */
const TRACED = ['insertRowsAtomically', 'atomically', 'list', 'after', 'seqOf', 'pruneBefore', 'count'] as const satisfies ReadonlyArray<keyof EventStore>

/** The store itself when tracing is off; otherwise a view whose listed methods run inside a span. */
export function traceStore(store: EventStore, tracer: Tracer | undefined): EventStore {
  if (!tracer) return store
  const traced = new Set<PropertyKey>(TRACED)
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver)
      if (!traced.has(prop) || typeof value !== 'function') return value
      const name = `db.${String(prop)}`
      return (...args: unknown[]) =>
        tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes: { 'db.collection.name': 'events' } }, async (span) => {
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
          } catch (err) {
            span.recordException(err instanceof Error ? err : String(err))
            span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
            throw err
          } finally {
            span.end()
          }
        })
    },
  })
}
