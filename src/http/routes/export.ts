import { createRoute, z } from '@hono/zod-openapi'
import { exportPages } from '../../store/export'
import { ApiError } from '../api-error'
import type { HttpDeps } from '../deps'
import { EXPORT_FORMATS, exportWriter } from '../export/export-formats'
import { createRouter } from '../openapi'
import { resolveRoomParam } from '../room-param'
import { errorResponse } from '../schemas'

const route = createRoute({
  method: 'get',
  path: '/events/{room}/export',
  summary: 'Download a room\'s stored events (every type), oldest first, streamed: NDJSON, CSV or an .lca archive',
  description: 'The `lca` form is an archive object `{ …, events: [...] }` that `POST /upload` accepts unchanged (move events to another lef).',
  request: {
    params: z.object({ room: z.string().openapi({ description: 'Any ROOMS form', example: '456117' }) }),
    query: z.object({
      format: z.enum(EXPORT_FORMATS).default('ndjson').openapi({ description: 'ndjson (default), csv, lca' }),
      from: z.coerce.number().int().nonnegative().optional().openapi({ description: 'Events at or after this time (ms since epoch)' }),
      to: z.coerce.number().int().nonnegative().optional().openapi({ description: 'Events before this time (ms since epoch)' }),
    }),
  },
  responses: {
    200: {
      description: 'The export, as a download',
      content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() }, 'application/json': { schema: z.string() } },
    },
    400: errorResponse('Unknown room form, format, or from ≥ to'),
    401: errorResponse('AUTH_KEY is set and the request has no or a wrong key'),
  },
})

export function exportRoutes(deps: Pick<HttpDeps, 'database' | 'rooms' | 'version' | 'log'>) {
  return createRouter().openapi(route, (c) => {
    const q = c.req.valid('query')
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw new ApiError(400, 'from must be before to')
    const { platform, room } = resolveRoomParam(c.req.valid('param').room, deps.rooms)
    const writer = exportWriter(q.format, { platform, room, from: q.from ?? null, to: q.to ?? null, exportedAt: Date.now(), version: deps.version })
    const pages = exportPages(deps.database.db, { platform, room, from: q.from, to: q.to })
    const encoder = new TextEncoder()
    let first = true
    let done = false
    // Pull-driven: the next page is read only when the client has taken the last one.
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const head = writer.head()
        if (head) controller.enqueue(encoder.encode(head))
      },
      pull: async (controller) => {
        if (done) return
        try {
          const next = await pages.next()
          if (next.done) {
            done = true
            const tail = writer.tail()
            if (tail) controller.enqueue(encoder.encode(tail))
            controller.close()
            return
          }
          controller.enqueue(encoder.encode(writer.page(next.value, first)))
          first = false
        } catch (err) {
          // Headers are gone already; cutting the stream short is the only honest signal left.
          deps.log.error({ err, platform, room }, 'export failed mid-stream')
          done = true
          controller.error(err)
        }
      },
      cancel: async () => {
        done = true
        await pages.return(undefined)
      },
    })
    const name = `lef-${platform}-${room}${q.from !== undefined ? `-from-${q.from}` : ''}${q.to !== undefined ? `-to-${q.to}` : ''}.${writer.extension}`
    return new Response(body, {
      headers: { 'Content-Type': writer.contentType, 'Content-Disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`, 'Cache-Control': 'no-store' },
    }) as never
  })
}
