import { OpenAPIHono } from '@hono/zod-openapi'
import { fail } from './envelope'

/**
 * An OpenAPIHono whose validation failures answer with our error envelope (400). `getPath` only
 * matters on the top-level app, which routes for every router mounted on it.
 */
export function createRouter(init: { getPath?: (req: Request) => string } = {}) {
  return new OpenAPIHono({
    ...init,
    defaultHook: (result, c) => {
      if (result.success) return
      const why = result.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message).join('; ')
      return fail(c, 400, `Invalid request: ${why}`)
    },
  })
}

export type Router = ReturnType<typeof createRouter>
