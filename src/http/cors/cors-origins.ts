/** CORS_ORIGINS parsed: any origin, a list of exact origins, or CORS off (`null`). */
export type CorsOrigins = '*' | string[] | null

/**
 * Parse CORS_ORIGINS: `*`, `off`, or a comma list of origins (`https://chat.laplace.live`).
 * An origin is what a browser sends in `Origin` (scheme, host, port); a pasted trailing slash is
 * dropped, a path is an error, since no browser would ever send it and the entry would match nothing.
 */
export function parseCorsOrigins(value: string): CorsOrigins {
  const v = value.trim()
  if (v === '*') return '*'
  if (v.toLowerCase() === 'off') return null
  const origins: string[] = []
  for (const part of v.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    if (part === '*') throw new Error('"*" allows every origin on its own; it cannot be part of a list')
    const origin = originOf(part)
    if (!origins.includes(origin)) origins.push(origin)
  }
  if (origins.length === 0) throw new Error('must be "*", "off" or a comma list of origins')
  return origins
}

function originOf(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new Error(`"${text}" is not an origin (scheme://host[:port])`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${text}" is not an http(s) origin`)
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new Error(`"${text}" has more than an origin: give scheme://host[:port] only`)
  }
  return url.origin
}
