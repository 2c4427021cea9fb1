import { createRoute, z } from '@hono/zod-openapi'
import { ApiError } from '../api-error'
import { requireKey } from '../auth'
import type { HttpDeps } from '../deps'
import { ok } from '../envelope'
import { createRouter } from '../openapi'
import { envelopeOf, errorResponse } from '../schemas'
import { UploadBody } from '../upload/parse-upload'
import { readBody } from '../upload/read-body'
import { UploadTimeoutError, writeUpload } from '../upload/write-upload'

const result = z.object({ received: z.number().int(), inserted: z.number().int(), duplicates: z.number().int() })

/** Retry-After of an upload whose write timed out. */
const UPLOAD_RETRY_AFTER_S = 5

const route = createRoute({
  method: 'post',
  path: '/upload',
  summary: 'Store events: JSON array, archive object with `events` (.lca), or NDJSON; optionally gzip',
  description:
    'Authorization: Bearer <UPLOAD_KEY>. All-or-nothing: one invalid event rejects the whole body. Duplicates (same id) are skipped. ' +
    'The body is parsed and written event by event, in one transaction.',
  responses: {
    200: { description: 'Stored', content: { 'application/json': { schema: envelopeOf(result) } } },
    400: errorResponse('Malformed body, JSON nested deeper than UPLOAD_MAX_DEPTH, or invalid events; nothing was stored'),
    401: errorResponse('Missing or wrong UPLOAD_KEY'),
    403: errorResponse('Uploads are disabled (no UPLOAD_KEY configured)'),
    413: errorResponse('Body over UPLOAD_MAX_BYTES (also checked after gunzip)'),
    503: errorResponse('The database did not answer a write step within UPLOAD_WRITE_TIMEOUT; retry after Retry-After seconds'),
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
    // Three passes over the body's bytes, each parsing one event at a time: check all, write
    // all, then publish what was new (only once committed).
    const body = await UploadBody.scan(await readBody(c.req.raw, deps.config.UPLOAD_MAX_BYTES), deps.config.UPLOAD_MAX_DEPTH)
    await body.validate()
    let inserted: Set<string>
    try {
      inserted = await writeUpload(body, { store: deps.store, stepTimeoutMs: deps.config.UPLOAD_WRITE_TIMEOUT, retryAfterSeconds: UPLOAD_RETRY_AFTER_S })
    } catch (err) {
      if (err instanceof UploadTimeoutError) {
        deps.log.warn({ timeoutMs: err.timeoutMs, events: body.count }, 'upload write timed out; answered 503')
        c.header('Retry-After', String(err.retryAfterSeconds))
      }
      throw err
    }
    // Only new events go out live; they are already stored, so the writer skips them.
    const toPublish = new Set(inserted)
    await body.events((e) => {
      if (!toPublish.delete(e.id)) return
      deps.bus.publish(e, { stored: true })
    })
    deps.log.info({ received: body.count, inserted: inserted.size }, 'upload stored')
    return ok(c, { received: body.count, inserted: inserted.size, duplicates: body.count - inserted.size })
  })
}
