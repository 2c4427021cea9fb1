import { httpInstrumentationMiddleware } from '@hono/otel'
import { trace, type Tracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
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
 * Traces over OTLP/HTTP. Only traces: metrics have `/metrics` and logs go through pino, so the
 * SDK is told not to build metric readers or log exporters from OTEL_* variables.
 */
export function startTracing(opts: TracingOptions): Tracing {
  const sdk = new NodeSDK({
    serviceName: 'lef',
    autoDetectResources: false,
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'lef', [ATTR_SERVICE_VERSION]: opts.version, 'service.instance.id': opts.instanceId }),
    traceExporter: redactingExporter(new OTLPTraceExporter({ url: `${opts.endpoint}/v1/traces`, headers: opts.headers })),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  })
  sdk.start()
  // The SDK registers its provider with the OTel API; the tracer taken now stays bound to it.
  const tracer = trace.getTracer('lef', opts.version)
  return {
    tracer,
    httpMiddleware: httpInstrumentationMiddleware({ tracer, serviceName: 'lef', serviceVersion: opts.version }),
    shutdown: async () => {
      await sdk.shutdown()
      // Unregister so a later start in the same process (tests) can register its own provider.
      trace.disable()
    },
  }
}
