import { getPath } from 'hono/utils/url'

/**
 * The path hono routes on, as a person means it: doubled slashes collapse and a trailing slash
 * is dropped, so a pasted `/events/25034104/`, `//events/25034104` or a base URL ending in `/`
 * reach their route. `/` stays `/`. Only the routing path changes; the request is left as it came.
 */
export function routePath(req: Request): string {
  const path = getPath(req)
  if (path.length <= 1 || (!path.endsWith('/') && !path.includes('//'))) return path
  const collapsed = path.replace(/\/{2,}/g, '/')
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed
}
