import { Cron } from 'croner'
import { z } from 'zod'
import { CURRENCIES, type Currency, DEFAULT_TIKTOK_COIN_USD, DEFAULT_USD_CNY_RATE, parseRoomList } from './events'
import { parseShardSetting } from './rooms/shard'
import { parseCorsOrigins } from './http/cors/cors-origins'
import { COMPRESSION, type Compression, DEFAULT_COMPRESSION } from './platforms/bilibili/protocol'

/**
 * Every environment variable lef reads, validated by zod. Names and defaults follow the
 * LAPLACE Event Fetcher so an existing deployment's environment works unchanged.
 * Each entry carries an example that the start-up error line shows.
 */

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''].includes(v), 'must be true/false (or 1/0)')
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`)

const positiveNumber = z
  .string()
  .trim()
  .refine((v) => v !== '' && Number.isFinite(Number(v)) && Number(v) > 0, 'must be a positive number')
  .transform(Number)

/** The one currency every event's `priceNormalized` is given in. */
const priceCurrency = z
  .string()
  .trim()
  .toUpperCase()
  .refine((v): v is Currency => (CURRENCIES as readonly string[]).includes(v), `must be one of ${CURRENCIES.join(', ')}`)
  .transform((v) => v as Currency)

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v)
      return u.protocol === 'http:' || u.protocol === 'https:'
    } catch {
      return false
    }
  }, 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''))

const wsUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      return ['ws:', 'wss:'].includes(new URL(v).protocol)
    } catch {
      return false
    }
  }, 'must be a ws:// or wss:// URL')

const keyList = z
  .string()
  .transform((v) => v.split(',').map((k) => k.trim()).filter((k) => k !== ''))

const postgresUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://')
  .superRefine(serverUrlProblems)
  .transform(withoutLibpqOnlyParams)

/**
 * Hosted Postgres (Neon, Supabase) hands out libpq URLs such as `?sslmode=require&channel_binding=require`.
 * postgres.js honours `sslmode` but sends any parameter it does not know to the server as a
 * setting, and the server refuses `channel_binding` ("unrecognized configuration parameter"), so
 * the copied URL would never connect. It is a libpq client option; drop it.
 */
function withoutLibpqOnlyParams(v: string): string {
  const q = v.indexOf('?')
  if (q === -1) return v
  const params = new URLSearchParams(v.slice(q + 1))
  if (!params.has('channel_binding')) return v
  params.delete('channel_binding')
  const rest = params.toString()
  return rest === '' ? v.slice(0, q) : `${v.slice(0, q)}?${rest}`
}

const redisUrl = z
  .string()
  .trim()
  .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://')
  .superRefine(serverUrlProblems)

/**
 * A database or Redis URL's server part, checked here because the drivers echo the whole URL
 * (password included) when they cannot parse it. The problems name the part, never the value.
 */
function serverUrlProblems(v: string, ctx: z.RefinementCtx): void {
  const scheme = v.indexOf('://')
  if (scheme === -1) return
  const rest = v.slice(scheme + 3).split(/[?#]/)[0] ?? ''
  const at = rest.lastIndexOf('@')
  const userInfo = at === -1 ? '' : rest.slice(0, at)
  const hosts = (at === -1 ? rest : rest.slice(at + 1)).split('/')[0] ?? ''
  const problem = (message: string) => ctx.addIssue({ code: 'custom', message })
  try {
    decodeURIComponent(userInfo)
  } catch {
    problem('the user or password has a "%" that is not percent-encoding (write % as %25)')
  }
  if (hosts === '') return problem('names no host (expected user:password@host:port/…)')
  for (const host of hosts.split(',')) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(?::(.*))?$/.exec(host)
    if (!m) return problem('has a host that is not a host name or address (a character such as "/", "@" or ":" in the password must be percent-encoded)')
    const port = m[2]
    if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
      return problem('has a port that is not a number from 1 to 65535')
    }
  }
  // The drivers parse it with URL (the first of several hosts); what URL refuses, they would print.
  try {
    new URL(`http://${rest.replace(hosts, hosts.split(',')[0] ?? '')}`)
  } catch {
    problem('is not a valid URL (percent-encode special characters in the user and password)')
  }
}

/**
 * What @sentry/core accepts as a DSN; anything else it prints whole (key included) to the
 * console, so a malformed one is refused here instead.
 */
const sentryDsn = z
  .string()
  .trim()
  .refine((v) => {
    const m = /^(https?):\/\/(\w+)(?::(\w+)?)?@(\[[:.%\w]+\]|[\w.-]+)(?::(\d+))?\/(.+)$/.exec(v)
    return m !== null && /^\d/.test(m[6]!.split('/').pop() ?? '')
  }, 'must be a Sentry DSN: https://<public key>@<host>/<numeric project id>')

const cronExpr = z
  .string()
  .trim()
  .refine((v) => {
    if (v === '' || v === 'off') return true
    try {
      new Cron(v, { paused: true }).stop()
      return true
    } catch {
      return false
    }
  }, 'must be a cron expression (or "off")')
  .transform((v) => (v === '' || v === 'off' ? null : v))

const rooms = z.string().transform((v, ctx) => {
  try {
    return parseRoomList(v)
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
    return z.NEVER
  }
})

const roomsShard = z.string().transform((v, ctx) => {
  try {
    return parseShardSetting(v)
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
    return z.NEVER
  }
})

const corsOrigins = z.string().transform((v, ctx) => {
  try {
    return parseCorsOrigins(v)
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message })
    return z.NEVER
  }
})

const timeZone = z
  .string()
  .trim()
  .refine((v) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: v })
      return true
    } catch {
      return false
    }
  }, 'must be an IANA time zone')

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

interface Entry<T extends z.ZodType> {
  schema: T
  /** Used when the variable is unset or empty. Absent → optional (undefined). */
  fallback?: string
  example: string
  secret?: boolean
  /** Set-but-empty is a value of its own (ROOMS= means "no rooms"), not "use the default". */
  emptyIsValue?: boolean
}

const entry = <E extends Entry<z.ZodType>>(e: E) => e

export const CONFIG_ENTRIES = {
  PORT: entry({ schema: int(0, 65535), fallback: '8080', example: '8080' }),
  HOST: entry({ schema: z.string().trim().min(1), fallback: '0.0.0.0', example: '0.0.0.0' }),
  ROOMS: entry({ schema: rooms, fallback: '456117', emptyIsValue: true, example: '25034104,bilibili:456117,douyin:646454278948,tiktok:@user' }),
  ROOMS_SHARD: entry({ schema: roomsShard, fallback: 'off', example: 'auto (ordinal from a StatefulSet hostname like lef-2), or 1/3' }),
  ROOMS_SHARDS: entry({ schema: int(1, 100_000), example: '3 (the replica count)' }),
  ROOM_LEASE_TTL: entry({ schema: int(200, 3_600_000), fallback: '3000', example: '3000 (ms)' }),
  ROOMS_PER_NODE: entry({ schema: int(0, 100_000), fallback: '0', example: '5 (0 = no limit)' }),
  ON_DEMAND_ROOMS: entry({ schema: bool, fallback: 'false', example: 'true' }),
  ON_DEMAND_IDLE: entry({ schema: int(0, 86_400_000), fallback: '300000', example: '300000 (ms)' }),
  ON_DEMAND_MAX: entry({ schema: int(0, 10_000), fallback: '10', example: '10' }),
  DATABASE_URL: entry({ schema: postgresUrl, example: 'postgres://lef:lef@127.0.0.1:5432/lef', secret: true }),
  DATA_DIR: entry({ schema: z.string().trim().min(1), fallback: './data', example: './data' }),
  REDIS_URL: entry({ schema: redisUrl, example: 'redis://127.0.0.1:6379', secret: true }),
  EVENTS_KEEP: entry({ schema: int(1, 24 * 365 * 10), fallback: '72', example: '72 (hours)' }),
  PRUNE_INTERVAL: entry({ schema: cronExpr, fallback: '*/10 * * * *', example: '*/10 * * * *' }),
  RESTART_WAIT: entry({ schema: int(0, 600_000), fallback: '2000', example: '2000 (ms)' }),
  RESTART_INTERVAL: entry({ schema: cronExpr, fallback: '0 6,18 * * *', example: '0 6,18 * * *' }),
  LOGIN_SYNC_TOKEN: entry({ schema: keyList, fallback: '', example: 'uuid@password', secret: true }),
  LOGIN_SYNC_SERVER: entry({ schema: httpUrl, fallback: 'https://login-sync.laplace.cn', example: 'https://login-sync.laplace.cn' }),
  AUTH_KEY: entry({ schema: keyList, fallback: '', example: 'a-long-random-string', secret: true }),
  UPLOAD_KEY: entry({ schema: keyList, fallback: '', example: 'another-long-random-string', secret: true }),
  UPLOAD_MAX_BYTES: entry({ schema: int(1024, 2 ** 31), fallback: String(50 * 1024 * 1024), example: '52428800' }),
  CORS_ORIGINS: entry({ schema: corsOrigins, fallback: '*', example: 'https://chat.laplace.live,http://localhost:5173 (or * / off)' }),
  WEBSOCKET_BRIDGE: entry({ schema: bool, fallback: 'false', example: 'true' }),
  WEBSOCKET_BRIDGE_AUTH: entry({ schema: z.string(), fallback: '', example: 'bridge-password', secret: true }),
  BRIDGE_PING_INTERVAL: entry({ schema: int(100, 600_000), fallback: '30000', example: '30000 (ms)' }),
  SSE_KEEPALIVE: entry({ schema: int(100, 600_000), fallback: '15000', example: '15000 (ms)' }),
  CLIENT_MAX_BUFFER: entry({ schema: int(1024, 2 ** 31), fallback: String(8 * 1024 * 1024), example: '8388608 (bytes)' }),
  // Bounded memory under load (client queues, uploads).
  CLIENT_BUFFER_TOTAL: entry({ schema: int(1024 * 1024, 2 ** 40), fallback: String(64 * 1024 * 1024), example: '67108864 (bytes, all clients together)' }),
  UPLOAD_WRITE_TIMEOUT: entry({ schema: int(100, 600_000), fallback: '10000', example: '10000 (ms per database step of an upload)' }),
  UPLOAD_MAX_DEPTH: entry({ schema: int(2, 1000), fallback: '64', example: '64 (JSON nesting levels)' }),
  WRITER_BATCH_SIZE: entry({ schema: int(1, 100_000), fallback: '500', example: '500' }),
  WRITER_FLUSH_MS: entry({ schema: int(1, 60_000), fallback: '50', example: '50' }),
  WRITER_MAX_BUFFER: entry({ schema: int(100, 100_000_000), fallback: '200000', example: '200000 (events)' }),
  SENTRY_DSN: entry({ schema: sentryDsn, example: 'https://key@o0.ingest.sentry.io/0', secret: true }),
  SENTRY_SAMPLE_RATE: entry({
    schema: z.string().trim().transform(Number).refine((n) => n >= 0 && n <= 1, 'must be between 0 and 1'),
    fallback: '1',
    example: '0.2',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: entry({ schema: httpUrl, example: 'http://127.0.0.1:4318' }),
  OTEL_EXPORTER_OTLP_HEADERS: entry({ schema: z.string(), fallback: '', example: 'Authorization=Bearer xyz,X-Axiom-Dataset=lef', secret: true }),
  TZ: entry({ schema: timeZone, example: 'Asia/Shanghai' }),
  LOG_LEVEL: entry({ schema: logLevel, fallback: 'info', example: 'debug' }),
  LOG_PRETTY: entry({ schema: bool, fallback: 'false', example: '1' }),
  BILIBILI_API_BASE: entry({ schema: httpUrl, fallback: 'https://api.bilibili.com', example: 'https://api.bilibili.com' }),
  BILIBILI_LIVE_API_BASE: entry({ schema: httpUrl, fallback: 'https://api.live.bilibili.com', example: 'https://api.live.bilibili.com' }),
  BILIBILI_WS_URL: entry({ schema: wsUrl, example: 'wss://broadcastlv.chat.bilibili.com/sub' }),
  BILIBILI_COMPRESSION: entry({ schema: z.enum(Object.keys(COMPRESSION) as [Compression, ...Compression[]]), fallback: DEFAULT_COMPRESSION, example: 'brotli' }),
  DOUYIN_WEB_BASE: entry({ schema: httpUrl, fallback: 'https://live.douyin.com', example: 'https://live.douyin.com' }),
  DOUYIN_WS_URL: entry({ schema: wsUrl, example: 'wss://webcast100-ws-web-lq.douyin.com/webcast/im/push/v2/' }),
  DOUYIN_SIGN_SERVER: entry({ schema: httpUrl, example: 'http://127.0.0.1:9000' }),
  DOUYIN_COOKIE: entry({ schema: z.string(), fallback: '', example: 'sessionid=…; ttwid=…', secret: true }),
  TIKTOK_WEB_BASE: entry({ schema: httpUrl, fallback: 'https://www.tiktok.com', example: 'https://www.tiktok.com' }),
  TIKTOK_WEBCAST_BASE: entry({ schema: httpUrl, fallback: 'https://webcast.tiktok.com', example: 'https://webcast.tiktok.com' }),
  TIKTOK_SIGN_SERVER: entry({ schema: httpUrl, fallback: 'https://api.eulerstream.com', example: 'https://api.eulerstream.com' }),
  TIKTOK_SIGN_API_KEY: entry({ schema: z.string(), fallback: '', example: 'euler_…', secret: true }),
  TIKTOK_COIN_USD: entry({ schema: positiveNumber, fallback: String(DEFAULT_TIKTOK_COIN_USD), example: String(DEFAULT_TIKTOK_COIN_USD) }),
  PRICE_CURRENCY: entry({ schema: priceCurrency, fallback: 'CNY', example: 'USD' }),
  USD_CNY_RATE: entry({ schema: positiveNumber, fallback: String(DEFAULT_USD_CNY_RATE), example: String(DEFAULT_USD_CNY_RATE) }),
  // Rooms stay connected: the node's stable identity in room leases (unset: the hostname).
  NODE_ID: entry({ schema: z.string().trim().min(1).max(200), example: 'lef-0 (default: the hostname)' }),
  // Security: the bridge producer secret and the limit on failed key attempts.
  WEBSOCKET_BRIDGE_PRODUCER_AUTH: entry({ schema: keyList, fallback: '', example: 'a-third-long-random-string', secret: true }),
  AUTH_FAIL_LIMIT: entry({ schema: int(0, 1_000_000), fallback: '10', example: '10 (failed key attempts per client address per minute; 0 = no limit)' }),
  // Durable spool: every received event is journaled in DATA_DIR/spool until stored.
  SPOOL_FSYNC_MS: entry({ schema: int(1, 10_000), fallback: '5', example: '5 (ms)' }),
  SPOOL_MAX_BYTES: entry({ schema: int(1024 * 1024, 2 ** 40), fallback: String(256 * 1024 * 1024), example: '268435456 (bytes)' }),
} as const

type Entries = typeof CONFIG_ENTRIES
type Raw = { [K in keyof Entries]: Entries[K] extends { fallback: string } ? z.output<Entries[K]['schema']> : z.output<Entries[K]['schema']> | undefined }

/** The parsed environment, one field per variable, keyed by the variable's name. */
export type Env = Raw

export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
  }
}

/**
 * Parse an environment. Collects every bad variable; each problem is one line naming the
 * variable, what is wrong and an example. Secret values are never echoed.
 */
export function parseEnv(env: Record<string, string | undefined>): Env {
  const out: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [name, e] of Object.entries(CONFIG_ENTRIES) as Array<[string, Entry<z.ZodType>]>) {
    const given = env[name]
    const unset = given === undefined || (given.trim() === '' && !e.emptyIsValue)
    const raw = unset ? e.fallback : given
    if (raw === undefined) {
      out[name] = undefined
      continue
    }
    const result = e.schema.safeParse(raw)
    if (result.success) {
      out[name] = result.data
    } else {
      const why = result.error.issues.map((i) => i.message).join('; ')
      const shown = e.secret ? '' : ` (got "${raw.length > 80 ? `${raw.slice(0, 77)}...` : raw}")`
      problems.push(`${name}: ${why}${shown}, e.g. ${name}=${e.example}`)
    }
  }
  if (problems.length === 0) problems.push(...combinationProblems(out as Env))
  if (problems.length > 0) throw new ConfigError(problems)
  return out as Env
}

/**
 * Settings that are wrong only together. The producer secret must differ from every key a
 * client may hold: the bridge password is pasted into overlay URLs, and must never publish.
 */
function combinationProblems(env: Env): string[] {
  const clientKeys = new Set([env.WEBSOCKET_BRIDGE_AUTH, ...env.AUTH_KEY].filter((k) => k !== ''))
  if (env.WEBSOCKET_BRIDGE_PRODUCER_AUTH.some((k) => clientKeys.has(k))) {
    return ['WEBSOCKET_BRIDGE_PRODUCER_AUTH: must differ from WEBSOCKET_BRIDGE_AUTH and every AUTH_KEY (producers publish events; clients only read them), e.g. WEBSOCKET_BRIDGE_PRODUCER_AUTH=a-third-long-random-string']
  }
  return []
}
