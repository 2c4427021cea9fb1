import { DEFAULT_PRICING, DEFAULT_TIKTOK_COIN_USD, type Pricing } from '../../events'
import type { IntervalTimers } from './heartbeat'
import { DEFAULT_USER_AGENT } from './protocol'
import type { SignProvider } from './sign-provider'

export interface TikTokConnectorOptions {
  /** www host: live page and user room API. Env TIKTOK_WEB_BASE. */
  webBase?: string
  /** webcast host: check_alive. Env TIKTOK_WEBCAST_BASE. */
  webcastBase?: string
  /** Euler-Stream-compatible sign server. Env TIKTOK_SIGN_SERVER. */
  signServer?: string
  /** Its API key (x-api-key). Env TIKTOK_SIGN_API_KEY. Never logged. */
  signApiKey?: string
  /** `client` name sent to the sign server (default 'lef'). */
  signClientName?: string
  /** Another signer instead of Euler (then signServer/signApiKey are unused). */
  signProvider?: SignProvider
  /** USD per coin: a gift's original price. Env TIKTOK_COIN_USD. */
  coinUsd?: number
  /** PRICE_CURRENCY and its rates for `priceNormalized` (default: CNY). */
  pricing?: Pricing
  fetch?: typeof fetch
  /** Client heartbeat period (TikTok's web client: 10 s). */
  heartbeatIntervalMs?: number
  /** No frame for this long → the supervisor reconnects. */
  idleTimeoutMs?: number
  /** After the live ends / while offline: how long the supervisor waits before looking again. */
  offlineRecheckMs?: number
  /** A gift streak with no end frame for this long is counted as it stands. */
  streakTimeoutMs?: number
  /** Time limit of each HTTP request (room lookup, signer). */
  requestTimeoutMs?: number
  userAgent?: string
  now?: () => number
  timers?: IntervalTimers
}

export interface ResolvedTikTokOptions {
  webBase: string
  webcastBase: string
  signServer: string | undefined
  signApiKey: string | undefined
  signClientName: string | undefined
  signProvider: SignProvider | undefined
  coinUsd: number
  pricing: Pricing
  fetch: typeof fetch
  heartbeatIntervalMs: number
  idleTimeoutMs: number
  offlineRecheckMs: number
  streakTimeoutMs: number
  requestTimeoutMs: number
  userAgent: string
  now: () => number
  timers: IntervalTimers | undefined
}

export const TIKTOK_DEFAULTS = {
  webBase: 'https://www.tiktok.com',
  webcastBase: 'https://webcast.tiktok.com',
  heartbeatIntervalMs: 10_000,
  // TikTok sends room-user-seq and likes every few seconds on a live room; 40 s of silence is a dead socket.
  idleTimeoutMs: 40_000,
  offlineRecheckMs: 60_000,
  streakTimeoutMs: 30_000,
  requestTimeoutMs: 15_000,
} as const

export function resolveOptions(o: TikTokConnectorOptions): ResolvedTikTokOptions {
  const coinUsd = o.coinUsd ?? DEFAULT_TIKTOK_COIN_USD
  if (!Number.isFinite(coinUsd) || coinUsd < 0) throw new RangeError(`tiktok coinUsd must be a non-negative number, got ${coinUsd}`)
  return {
    webBase: (o.webBase ?? TIKTOK_DEFAULTS.webBase).replace(/\/+$/, ''),
    webcastBase: (o.webcastBase ?? TIKTOK_DEFAULTS.webcastBase).replace(/\/+$/, ''),
    signServer: o.signServer,
    signApiKey: o.signApiKey,
    signClientName: o.signClientName,
    signProvider: o.signProvider,
    coinUsd,
    pricing: o.pricing ?? DEFAULT_PRICING,
    fetch: o.fetch ?? fetch,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? TIKTOK_DEFAULTS.heartbeatIntervalMs,
    idleTimeoutMs: o.idleTimeoutMs ?? TIKTOK_DEFAULTS.idleTimeoutMs,
    offlineRecheckMs: o.offlineRecheckMs ?? TIKTOK_DEFAULTS.offlineRecheckMs,
    streakTimeoutMs: o.streakTimeoutMs ?? TIKTOK_DEFAULTS.streakTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs ?? TIKTOK_DEFAULTS.requestTimeoutMs,
    userAgent: o.userAgent ?? DEFAULT_USER_AGENT,
    now: o.now ?? Date.now,
    timers: o.timers,
  }
}
