import type { BilibiliSim } from './bilibili/sim'
import type { DouyinSim } from './douyin/sim'
import type { TikTokSim } from './tiktok/sim'

/** The variables that point lef's connectors at the simulators given (each optional). */
export function simEnv(sims: { bilibili?: BilibiliSim; douyin?: DouyinSim; tiktok?: TikTokSim }): Record<string, string> {
  const { bilibili, douyin, tiktok } = sims
  return {
    ...(bilibili && {
      BILIBILI_API_BASE: bilibili.apiBase,
      BILIBILI_LIVE_API_BASE: bilibili.liveApiBase,
      BILIBILI_WS_URL: bilibili.wsUrl,
    }),
    ...(douyin && { DOUYIN_WEB_BASE: douyin.webBase, DOUYIN_WS_URL: douyin.wsUrl }),
    ...(tiktok && {
      TIKTOK_WEB_BASE: tiktok.webBase,
      TIKTOK_WEBCAST_BASE: tiktok.webcastBase,
      TIKTOK_SIGN_SERVER: tiktok.signServer,
    }),
  }
}
