/**
 * Whether a database error is about the data (a bad row: retrying cannot help) rather than
 * the connection (retrying will). SQLSTATE classes 22 (data exception), 23 (integrity) and
 * 42 (syntax / undefined object) are data errors; everything else — refused connections,
 * 08xxx, 57Pxx shutdowns, timeouts — is treated as transient.
 */
export function isDataError(err: unknown): boolean {
  const code = sqlState(err)
  return code !== undefined && /^(22|23|42)/.test(code)
}

/** Whether the error is a unique violation (23505): the row, or one like it, is already stored. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === '23505'
}

/**
 * The SQLSTATE of a database error: postgres.js and PGlite carry it in `code`, Bun's SQL
 * client in `errno` (its `code` is Bun's own, e.g. ERR_POSTGRES_SERVER_ERROR).
 */
function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    for (const code of [(e as { code?: unknown }).code, (e as { errno?: unknown }).errno]) {
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
    }
  }
  return undefined
}

/** A short description of a database error for logs: message and code, no connection string. */
export function describeDbError(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const msg = e instanceof Error ? e.message : String(e)
    const code = (e as { errno?: unknown }).errno ?? (e as { code?: unknown }).code
    // postgres.js puts the whole URL in nothing it throws, but strip credentials defensively.
    parts.push((typeof code === 'string' ? `${code} ` : '') + msg.replace(/\/\/[^@\s/]*@/g, '//***@'))
  }
  return [...new Set(parts)].join(' <- ').slice(0, 500)
}

/** Why the database could not be reached at start-up, in words an operator acts on. */
export interface ConnectFailure {
  /** e.g. "connection refused", `password authentication failed for user "lef"`. */
  cause: string
  /**
   * The server answered and refused this DATABASE_URL (wrong user, password or database
   * name). Retrying still makes sense, since a first boot may create them a moment later.
   */
  refused: boolean
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  CONNECTION_CLOSED: 'connection closed before the server answered',
  CONNECTION_ENDED: 'connection closed before the server answered',
  CONNECTION_DESTROYED: 'connection closed before the server answered',
  CONNECT_TIMEOUT: 'connection timed out',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
}

/**
 * Classify an error from opening the database. Network codes become a fixed phrase (the
 * driver's message repeats host and port, which the log line carries separately); server
 * answers keep PostgreSQL's own message, which names the user or database but never a password.
 * `secrets` (the URL's password) are masked wherever they still appear.
 */
export function describeConnectFailure(err: unknown, secrets: readonly string[] = []): ConnectFailure {
  const code = (err as { code?: unknown } | undefined)?.code
  const state = sqlState(err)
  let cause: string
  let refused = false
  if (typeof code === 'string' && NETWORK_CAUSES[code]) cause = NETWORK_CAUSES[code]
  else if (state && /^(28|3D)/.test(state)) {
    // 28xxx: authentication / authorisation; 3D000: no such database.
    cause = err instanceof Error ? err.message : String(err)
    refused = true
  } else cause = describeDbError(err)
  for (const secret of secrets) if (secret.length >= 3) cause = cause.split(secret).join('***')
  return { cause: cause.slice(0, 300), refused }
}
