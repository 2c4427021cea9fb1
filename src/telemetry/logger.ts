import pino, { type Logger, type DestinationStream } from 'pino'

export type { Logger }

/** Paths that may hold secrets; pino replaces them before a line is written. */
export const REDACT_PATHS = [
  'key', 'token', 'password', 'cookie', 'cookies', 'authorization', 'secret', 'dsn',
  '*.key', '*.token', '*.password', '*.cookie', '*.cookies', '*.authorization', '*.secret', '*.dsn',
  'headers.authorization', 'headers.cookie', 'req.headers.authorization', 'req.headers.cookie',
  'config.authKey', 'config.uploadKey', 'config.loginSyncToken', 'config.websocketBridgeAuth',
]

export interface LoggerOptions {
  level?: string
  pretty?: boolean
  /** Write here instead of stdout (tests capture lines). */
  destination?: DestinationStream
}

/** JSON lines by default; pino-pretty when `pretty` (the `dev` script). */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const base = { level: opts.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'lef' } }
  if (opts.destination) return pino(base, opts.destination)
  if (opts.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } })
  return pino(base)
}

/** Mask a secret for display: never more than its first 2 characters. Safe on short input. */
export function maskSecret(secret: string): string {
  if (secret.length <= 4) return '***'
  return `${secret.slice(0, 2)}***`
}
