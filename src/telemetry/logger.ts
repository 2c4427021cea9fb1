import pino, { type Logger, type DestinationStream, type TransportTargetOptions } from 'pino'
import type { AxiomLogTarget } from './axiom'

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
  /** Also ship every line to Axiom (configured from the OTLP headers). */
  axiom?: AxiomLogTarget
  /** Applied to every finished line: replaces known secret values wherever they appear (messages, causes). */
  scrub?: (line: string) => string
}

/** JSON lines by default; pino-pretty when `pretty` (the `dev` script); plus Axiom when configured. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const scrub = opts.scrub
  const base = {
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { app: 'lef' },
    ...(scrub ? { hooks: { streamWrite: (line: string) => scrub(line) } } : {}),
  }
  if (opts.destination) return pino(base, opts.destination)
  if (opts.axiom) return pino({ ...base, transport: { targets: logTransportTargets(opts) } })
  if (opts.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } })
  return pino(base)
}

/** Where lines go when a transport is needed: stdout (plain or pretty), and Axiom if set. */
export function logTransportTargets(opts: Pick<LoggerOptions, 'level' | 'pretty' | 'axiom'>): TransportTargetOptions[] {
  const level = opts.level ?? 'info'
  const targets: TransportTargetOptions[] = [
    opts.pretty
      ? { target: 'pino-pretty', level, options: { colorize: true } }
      : { target: 'pino/file', level, options: { destination: 1 } },
  ]
  if (opts.axiom) {
    targets.push({ target: '@axiomhq/pino', level, options: { dataset: opts.axiom.dataset, token: opts.axiom.token, url: opts.axiom.url } })
  }
  return targets
}

/** Mask a secret for display: never more than its first 2 characters. Safe on short input. */
export function maskSecret(secret: string): string {
  if (secret.length <= 4) return '***'
  return `${secret.slice(0, 2)}***`
}
