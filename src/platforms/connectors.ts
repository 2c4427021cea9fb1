import type { Env } from '../config'
import { Pricing, type Platform } from '../events'
import { createBilibiliConnector, type BilibiliConnector } from './bilibili/connector'
import { createDouyinConnector, type DouyinConnector } from './douyin'
import { createTikTokConnector, type TikTokConnector } from './tiktok'

/** The connectors of one node, with their platform-specific counters visible to metrics. */
export interface Connectors extends Record<Platform, BilibiliConnector | DouyinConnector | TikTokConnector> {
  bilibili: BilibiliConnector
  douyin: DouyinConnector
  tiktok: TikTokConnector
}

/** One connector per platform, configured from the environment. */
export function createConnectors(config: Env): Connectors {
  const pricing = new Pricing(config.PRICE_CURRENCY, config.USD_CNY_RATE)
  return {
    bilibili: createBilibiliConnector({
      apiBase: config.BILIBILI_API_BASE,
      liveApiBase: config.BILIBILI_LIVE_API_BASE,
      wsUrl: config.BILIBILI_WS_URL,
      compression: config.BILIBILI_COMPRESSION,
      loginSyncTokens: config.LOGIN_SYNC_TOKEN,
      loginSyncServer: config.LOGIN_SYNC_SERVER,
      pricing,
    }),
    douyin: createDouyinConnector({
      webBase: config.DOUYIN_WEB_BASE,
      wsUrl: config.DOUYIN_WS_URL,
      signServer: config.DOUYIN_SIGN_SERVER,
      cookie: config.DOUYIN_COOKIE || undefined,
      pricing,
    }),
    tiktok: createTikTokConnector({
      webBase: config.TIKTOK_WEB_BASE,
      webcastBase: config.TIKTOK_WEBCAST_BASE,
      signServer: config.TIKTOK_SIGN_SERVER,
      signApiKey: config.TIKTOK_SIGN_API_KEY || undefined,
      coinUsd: config.TIKTOK_COIN_USD,
      pricing,
    }),
  }
}
