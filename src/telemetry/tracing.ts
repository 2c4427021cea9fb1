import { httpInstrumentationMiddleware } from '@hono/otel'
import { context, propagation, trace, type Tracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import type { MiddlewareHandler } from 'hono'
import { redactingExporter } from './redacting-exporter'

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the base URL; traces go to `<endpoint>/v1/traces`. */
  endpoint: string
  headers: Record<string, string>
  version: string
  /** Identifies this replica in traces. */
  instanceId: string
}

export interface Tracing {
  readonly tracer: Tracer
  /** A span per HTTP request (`GET /events/:room`), through @hono/otel. */
  readonly httpMiddleware: MiddlewareHandler
  /** Export what is buffered and stop. */
  shutdown(): Promise<void>
}

/**
 * Traces over OTLP/HTTP, built from the SDK's parts rather than the all-in-one Node SDK, which
 * would install gRPC, metric and log exporters lef never uses. Spans follow async calls
 * (AsyncLocalStorage) and an incoming `traceparent` continues the caller's trace.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const contextManager = new AsyncLocalStorageContextManager().enable()
  context.setGlobalContextManager(contextManager)
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }))
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'lef', [ATTR_SERVICE_VERSION]: opts.version, 'service.instance.id': opts.instanceId }),
    spanProcessors: [new BatchSpanProcessor({ exporter: redactingExporter(new OTLPTraceExporter({ url: `${opts.endpoint}/v1/traces`, headers: opts.headers })) })],
  })
  trace.setGlobalTracerProvider(provider)
  // Bound to the provider registered just above.
  const tracer = trace.getTracer('lef', opts.version)
  return {
    tracer,
    httpMiddleware: httpInstrumentationMiddleware({ tracer, serviceName: 'lef', serviceVersion: opts.version }),
    shutdown: async () => {
      await provider.shutdown()
      // Unregister so a later start in the same process (tests) can register its own.
      trace.disable()
      propagation.disable()
      context.disable()
    },
  }
}
