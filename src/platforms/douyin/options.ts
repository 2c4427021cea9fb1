import type { Pricing } from '../../events'
import type { DouyinSigner } from './sign'

/** How to build a Douyin connector. Every URL and side effect is injectable for tests. */
export interface DouyinConnectorOptions {
  /** Web base for ttwid, room-enter API and room page (env DOUYIN_WEB_BASE). Default https://live.douyin.com */
  webBase?: string
  /** Push WebSocket URL (without query) used instead of the rotating Douyin push hosts. */
  wsUrl?: string
  /** External signer URL (env DOUYIN_SIGN_SERVER); see sign-server.ts for the HTTP contract. */
  signServer?: string
  /** A signer object; wins over signServer. Default: our native signer. */
  signer?: DouyinSigner
  /** Logged-in cookie string (env DOUYIN_COOKIE). Without it many rooms push no gifts. */
  cookie?: string
  /** PRICE_CURRENCY and its rates for `priceNormalized` (default: CNY). */
  pricing?: Pricing
  fetch?: typeof fetch
  userAgent?: string
  /** Heartbeat interval (default 10 s). */
  heartbeatMs?: number
  /** No frame for this long → the supervisor reconnects (default 30 s). */
  idleTimeoutMs?: number
  /** How long the supervisor waits before re-checking an offline room (default 30 s). */
  offlineRecheckMs?: number
  /** Gift combo without a message for this long is finished (default 10 s). */
  comboIdleMs?: number
  /** How often open combos are checked for idleness (default 1 s). */
  comboSweepMs?: number
  now?: () => number
  random?: () => number
}

export const DEFAULT_WEB_BASE = 'https://live.douyin.com'
export const DEFAULT_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36'
