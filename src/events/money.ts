import type { Platform } from './platform'

/** The real currencies lef prices events in. */
export const CURRENCIES = ['CNY', 'USD'] as const
export type Currency = (typeof CURRENCIES)[number]

/**
 * The real currency each platform's money is in before conversion: an event's `currencyOriginal`,
 * and the currency of the stored `price_normalized` column the per-currency totals sum.
 */
export const CURRENCY: Record<Platform, Currency> = { bilibili: 'CNY', douyin: 'CNY', tiktok: 'USD' }

/** Default USD value of one TikTok coin (override with TIKTOK_COIN_USD). */
export const DEFAULT_TIKTOK_COIN_USD = 0.0133

/** Default CNY per USD (override with USD_CNY_RATE). */
export const DEFAULT_USD_CNY_RATE = 7.1

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

/**
 * lef's own money fields beside LaplaceEvent's `priceNormalized`: the currency that price is in,
 * and the amount and currency the platform charged in before conversion.
 */
export interface PriceFields {
  priceNormalized: number
  currency: Currency
  priceOriginal: number
  currencyOriginal: Currency
}

/**
 * Converts every paid amount into one currency (PRICE_CURRENCY), so `priceNormalized` means the
 * same on every platform: LAPLACE clients print it as yuan, hence CNY by default.
 */
export class Pricing {
  constructor(
    readonly currency: Currency = 'CNY',
    /** CNY per USD (USD_CNY_RATE). */
    readonly usdCnyRate: number = DEFAULT_USD_CNY_RATE,
  ) {
    if (!(usdCnyRate > 0) || !Number.isFinite(usdCnyRate)) throw new RangeError(`usdCnyRate must be a positive number, got ${usdCnyRate}`)
  }

  /** `amount` in `from`, in this pricing's currency (rounded to 1/10000). */
  convert(amount: number, from: Currency): number {
    if (from === this.currency) return amount
    return round4(from === 'USD' ? amount * this.usdCnyRate : amount / this.usdCnyRate)
  }

  /** The money fields of an event that cost `amount` in `from`. */
  fields(amount: number, from: Currency): PriceFields {
    return { priceNormalized: this.convert(amount, from), currency: this.currency, priceOriginal: amount, currencyOriginal: from }
  }
}

/** CNY at the default rate: what tests and tools get when they do not configure pricing. */
export const DEFAULT_PRICING = new Pricing()
