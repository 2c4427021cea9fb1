import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EVENT_TYPES } from '../../events'
import { createRouter } from '../openapi'

const read = (name: string) => readFileSync(join(import.meta.dir, name), 'utf8')

/**
 * The page with its CSS and script inlined: one response, so `?token=` guards everything and
 * there are no assets to serve. Built once; the CSP allows exactly these two inline blocks.
 */
function buildPage(): { html: string; csp: string } {
  const css = read('dashboard.css')
  const js = `window.LEF_EVENT_TYPES = ${JSON.stringify(EVENT_TYPES)};\n${read('dashboard.js')}`
  const html = read('dashboard.html').replace('/*CSS*/', () => css).replace('/*JS*/', () => js)
  const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`
  const csp = [
    "default-src 'none'",
    `script-src ${hash(js)}`,
    `style-src ${hash(css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
  return { html, csp }
}

/**
 * `GET /dashboard`: AUTH_KEY guards it like every route; the page reads `?token=` for its API calls.
 * `GET /` (a plain request; bridge upgrades never reach here) points a person at it, query kept.
 */
export function dashboardRoutes() {
  const page = buildPage()
  const router = createRouter()
  router.get('/', (c) => {
    const query = new URL(c.req.url).search
    return c.redirect(`/dashboard${query}`, 302)
  })
  router.get('/dashboard', (c) =>
    c.html(page.html, 200, {
      'Content-Security-Policy': page.csp,
      // The token is in the URL: never send it on as a referrer.
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    }),
  )
  return router
}
