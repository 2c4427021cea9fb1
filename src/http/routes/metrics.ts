import { createRoute, z } from '@hono/zod-openapi'
import type { Registry } from 'prom-client'
import { createRouter } from '../openapi'

const route = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (text exposition format); AUTH_KEY applies',
  responses: {
    200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
  },
})

/** `GET /metrics`: this node's registry, collected at request time. */
export function metricsRoutes(registry: Registry) {
  return createRouter().openapi(route, async (c) => {
    const body = await registry.metrics()
    return c.text(body, 200, { 'Content-Type': registry.contentType })
  })
}
