import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from 'pino'
import { ApiError } from './api-error'
import { fail } from './envelope'

/** Known errors keep their status and message; anything else is a logged 500 with a generic message. */
export function errorHandler(log: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) return fail(c, err.status, err.message)
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode
      return fail(c, status, err.message || (status === 401 ? 'Unauthorized' : 'Request failed'))
    }
    log.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error in request')
    return fail(c, 500, 'Internal server error')
  }
}

export const notFound: NotFoundHandler = (c) => fail(c, 404, `No route for ${c.req.method} ${c.req.path}`)
