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
