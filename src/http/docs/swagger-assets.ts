import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One file of Swagger UI as lef serves it. */
export interface DocsAsset {
  path: string
  file: string
  type: string
}

/** Where lef serves Swagger UI's files; all under /docs so the guard lists them with the page. */
export const DOCS_ASSETS = {
  css: { path: '/docs/swagger-ui.css', file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  js: { path: '/docs/swagger-ui-bundle.js', file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
} as const satisfies Record<string, DocsAsset>

export interface SwaggerDist {
  version: string
  /** The absolute path of a file in the package. */
  fileOf(asset: DocsAsset): string
}

/**
 * Find swagger-ui-dist in node_modules (the lockfile pins its version). Resolved when the app
 * is built, so a production install without it fails at start rather than at the first visit.
 */
export function locateSwaggerDist(): SwaggerDist {
  const manifest = fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json'))
  const dir = dirname(manifest)
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }
  return { version, fileOf: (asset) => join(dir, asset.file) }
}
