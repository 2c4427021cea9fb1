import type { Platform } from './platform'

/** The real currency each platform's `priceNormalized` is expressed in. */
export const CURRENCY: Record<Platform, 'CNY' | 'USD'> = { bilibili: 'CNY', douyin: 'CNY', tiktok: 'USD' }

/** Default USD value of one TikTok coin (override with TIKTOK_COIN_USD). */
export const DEFAULT_TIKTOK_COIN_USD = 0.0133

/** Round to 1/10000 of the unit, so sums of normalised prices stay free of float noise. */
function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000
}

/** Bilibili gold coins (金瓜子 / 电池×100): 1000 gold = 1 CNY. Silver coins are free. */
export function bilibiliGoldToCny(gold: number, coinType: string = 'gold'): number {
  if (coinType === 'silver') return 0
  return round4(gold / 1000)
}

/** Douyin diamonds (抖币): 1 diamond = 0.1 CNY. */
export function douyinDiamondsToCny(diamonds: number): number {
  return round4(diamonds * 0.1)
}

/** TikTok coins → USD at the configured rate. */
export function tiktokCoinsToUsd(coins: number, usdPerCoin: number = DEFAULT_TIKTOK_COIN_USD): number {
  return round4(coins * usdPerCoin)
}
