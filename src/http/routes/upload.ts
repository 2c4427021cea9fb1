import { createRoute, z } from '@hono/zod-openapi'
import { toEventRow } from '../../store/event-row'
import { ApiError } from '../api-error'
import { requireKey } from '../auth'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse } from '../schemas'
import { parseUpload } from '../upload/parse-upload'
import { readBody } from '../upload/read-body'

const result = z.object({ received: z.number().int(), inserted: z.number().int(), duplicates: z.number().int() })

const route = createRoute({
  method: 'post',
  path: '/upload',
  summary: 'Store events: JSON array, archive object with `events` (.lca), or NDJSON; optionally gzip',
  description: 'Authorization: Bearer <UPLOAD_KEY>. All-or-nothing: one invalid event rejects the whole body. Duplicates (same id) are skipped.',
  responses: {
    200: { description: 'Stored', content: { 'application/json': { schema: envelopeOf(result) } } },
    400: errorResponse('Malformed body or invalid events; nothing was stored'),
    401: errorResponse('Missing or wrong UPLOAD_KEY'),
    403: errorResponse('Uploads are disabled (no UPLOAD_KEY configured)'),
    413: errorResponse('Body over UPLOAD_MAX_BYTES (also checked after gunzip)'),
  },
})

export function uploadRoutes(deps: Pick<HttpDeps, 'store' | 'bus' | 'config' | 'log' | 'authFailures'>) {
  const router = createRouter()
  router.use('/upload', async (c, next) => {
    if (deps.config.UPLOAD_KEY.length === 0) throw new ApiError(403, 'Uploads are disabled: set UPLOAD_KEY to enable POST /upload')
    return next()
  })
  router.use('/upload', requireKey(deps.config.UPLOAD_KEY, 'UPLOAD_KEY', deps.authFailures))
  return router.openapi(route, async (c) => {
    const bytes = await readBody(c.req.raw, deps.config.UPLOAD_MAX_BYTES)
    const events = parseUpload(bytes)
    const now = Date.now()
    const inserted = await deps.store.insertRowsAtomically(events.map((e) => toEventRow(e, now)))
    // Only new events go out live; they are already stored, so the writer skips them.
    const published = new Set<string>()
    for (const e of events) {
      if (!inserted.has(e.id) || published.has(e.id)) continue
      published.add(e.id)
      deps.bus.publish(e, { stored: true })
    }
    deps.log.info({ received: events.length, inserted: inserted.size }, 'upload stored')
    return ok(c, { received: events.length, inserted: inserted.size, duplicates: events.length - inserted.size })
  })
}
