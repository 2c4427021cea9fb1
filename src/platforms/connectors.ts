import type { Env } from '../config'
import type { Platform } from '../events'
import { createBilibiliConnector } from './bilibili/connector'
import type { Connector } from './connector'
import { createDouyinConnector } from './douyin'
import { createTikTokConnector } from './tiktok'

/** One connector per platform, configured from the environment. */
export function createConnectors(config: Env): Record<Platform, Connector> {
  return {
    bilibili: createBilibiliConnector({
      apiBase: config.BILIBILI_API_BASE,
      liveApiBase: config.BILIBILI_LIVE_API_BASE,
      wsUrl: config.BILIBILI_WS_URL,
      loginSyncTokens: config.LOGIN_SYNC_TOKEN,
      loginSyncServer: config.LOGIN_SYNC_SERVER,
    }),
    douyin: createDouyinConnector({
      webBase: config.DOUYIN_WEB_BASE,
      wsUrl: config.DOUYIN_WS_URL,
      signServer: config.DOUYIN_SIGN_SERVER,
      cookie: config.DOUYIN_COOKIE || undefined,
    }),
    tiktok: createTikTokConnector({
      webBase: config.TIKTOK_WEB_BASE,
      webcastBase: config.TIKTOK_WEBCAST_BASE,
      signServer: config.TIKTOK_SIGN_SERVER,
      signApiKey: config.TIKTOK_SIGN_API_KEY || undefined,
      coinUsd: config.TIKTOK_COIN_USD,
    }),
  }
}
