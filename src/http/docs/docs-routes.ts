import type { Router } from '../openapi'
import { DOCS_INIT, docsPage } from './docs-page'
import { finishDocument, type Guard } from './openapi-document'
import { DOCS_ASSETS, locateSwaggerDist } from './swagger-assets'

/** Every path the docs answer on; none holds data, so AUTH_KEY leaves them open. */
export const DOCS_PATHS = ['/openapi.json', '/docs', DOCS_ASSETS.css.path, DOCS_ASSETS.js.path, DOCS_INIT.path] as const

/**
 * The API's own document (`/openapi.json`) and Swagger UI (`/docs`), its files served from the
 * swagger-ui-dist package so the page works with no internet. The CSP keeps it that way: the
 * page may load and call nothing but lef.
 */
export function mountDocs(app: Router, opts: { title: string; version: string; description: string; guard: Guard }) {
  const dist = locateSwaggerDist()
  const page = docsPage(opts.title, dist.version)
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    // Swagger UI sets style attributes from script.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
  const cached = { 'Cache-Control': 'public, max-age=86400' }

  app.get('/openapi.json', (c) =>
    c.json(finishDocument(app.getOpenAPIDocument({ openapi: '3.0.0', info: { title: opts.title, version: opts.version, description: opts.description } }), opts.guard)),
  )
  app.get('/docs', (c) => c.html(page, 200, { 'Content-Security-Policy': csp, 'Cache-Control': 'no-cache' }))
  app.get(DOCS_INIT.path, (c) => c.body(DOCS_INIT.body, 200, { 'Content-Type': 'text/javascript; charset=utf-8', ...cached }))
  for (const asset of Object.values(DOCS_ASSETS)) {
    // The bundle is 1.7 MB as is and a quarter of that gzipped; compressed once, on first use.
    let gzipped: Uint8Array<ArrayBuffer> | undefined
    app.get(asset.path, async (c) => {
      const headers = { 'Content-Type': asset.type, Vary: 'Accept-Encoding', ...cached }
      if (!/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) return new Response(Bun.file(dist.fileOf(asset)), { headers })
      gzipped ??= Bun.gzipSync(await Bun.file(dist.fileOf(asset)).bytes())
      return new Response(gzipped, { headers: { ...headers, 'Content-Encoding': 'gzip' } })
    })
  }
}
