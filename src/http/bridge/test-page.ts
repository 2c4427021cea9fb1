import { resolve } from 'node:path'
import { createRouter } from '../openapi'

/** The repo's top-level test page; resolved from this file so it works from any working directory. */
export const TEST_PAGE_PATH = resolve(import.meta.dir, '../../../websocket-test.html')

/** `GET /websocket-test.html`: the bridge test page (open path: it holds no data, the token is typed in). */
export function testPageRoutes(path = TEST_PAGE_PATH) {
  const router = createRouter()
  router.get('/websocket-test.html', async (c) => {
    const file = Bun.file(path)
    if (!(await file.exists())) return c.text('websocket-test.html is not installed next to lef', 404)
    return new Response(file, { headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' } })
  })
  return router
}
