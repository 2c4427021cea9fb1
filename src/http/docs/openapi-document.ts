import type { Router } from '../openapi'

type OpenAPIObject = ReturnType<Router['getOpenAPIDocument']>
type PathItemObject = NonNullable<OpenAPIObject['paths']>[string]
type OperationObject = NonNullable<PathItemObject['get']>

/** Swagger UI groups operations by tag; the first prefix that matches a path names its group. */
export const TAGS: ReadonlyArray<{ name: string; description: string; prefixes: readonly string[] }> = [
  { name: 'Events', description: 'Stored events: per room, search, export, upload', prefixes: ['/events', '/upload'] },
  { name: 'Live', description: 'Events as they happen (the WebSocket bridge is at `/`)', prefixes: ['/sse'] },
  { name: 'Rooms', description: 'The rooms lef follows and their state', prefixes: ['/info', '/rooms'] },
  { name: 'Stats', description: 'Aggregates over stored events', prefixes: ['/stats'] },
  { name: 'Health', description: 'Liveness and metrics', prefixes: ['/ping', '/metrics'] },
]

/** Security scheme names, shown in Swagger UI's Authorize dialog. */
export const SCHEMES = {
  bearer: 'AUTH_KEY',
  query: 'token',
  upload: 'UPLOAD_KEY',
} as const

const SECURITY_SCHEMES = {
  [SCHEMES.bearer]: { type: 'http', scheme: 'bearer', description: 'AUTH_KEY as `Authorization: Bearer <key>`; needed on every route but the open ones when AUTH_KEY is set' },
  [SCHEMES.query]: { type: 'apiKey', in: 'query', name: 'token', description: 'AUTH_KEY as `?token=<key>`, for clients that cannot set headers (EventSource)' },
  [SCHEMES.upload]: { type: 'http', scheme: 'bearer', description: 'UPLOAD_KEY as `Authorization: Bearer <key>`, for POST /upload' },
} as const

/** Every key check is rate-limited per address (AUTH_FAIL_LIMIT); the guard answers this before the route. */
const TOO_MANY_WRONG_KEYS = {
  description: 'Too many wrong keys from this address (AUTH_FAIL_LIMIT); Retry-After says when to come back',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

export function tagOf(path: string): string | undefined {
  return TAGS.find((t) => t.prefixes.some((p) => path === p || path.startsWith(`${p}/`)))?.name
}

export interface Guard {
  /** True for paths AUTH_KEY does not guard (the same list the guard itself uses). */
  isOpen(path: string): boolean
  /** Paths guarded by a key of their own instead. */
  ownKey: Readonly<Record<string, string>>
}

/**
 * The document as generated from the routes, plus what it cannot know by itself: each
 * operation's group and the key it needs, taken from the guard so the two cannot disagree.
 * Operations that declare their own tags or security keep them.
 */
export function finishDocument(doc: OpenAPIObject, guard: Guard): OpenAPIObject {
  const paths: Record<string, PathItemObject> = {}
  for (const [path, item] of Object.entries(doc.paths ?? {}) as Array<[string, PathItemObject]>) {
    const next: PathItemObject = { ...item }
    for (const method of METHODS) {
      const op = item[method] as OperationObject | undefined
      if (!op) continue
      const tag = tagOf(path)
      const own = guard.ownKey[path]
      const security: Array<Record<string, string[]>> = own ? [{ [own]: [] }] : guard.isOpen(path) ? [] : [{ [SCHEMES.bearer]: [] }, { [SCHEMES.query]: [] }]
      const keyed = own !== undefined || !guard.isOpen(path)
      const responses = keyed && !op.responses?.['429'] ? { ...op.responses, 429: TOO_MANY_WRONG_KEYS } : op.responses
      next[method] = { ...op, tags: op.tags ?? (tag ? [tag] : undefined), security: op.security ?? security, responses }
    }
    paths[path] = next
  }
  return {
    ...doc,
    tags: TAGS.map(({ name, description }) => ({ name, description })),
    components: { ...doc.components, securitySchemes: { ...doc.components?.securitySchemes, ...SECURITY_SCHEMES } },
    paths,
  }
}
