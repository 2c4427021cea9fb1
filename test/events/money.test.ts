import { describe, expect, test } from 'bun:test'
import { bilibiliGoldToCny, DEFAULT_PRICING, douyinDiamondsToCny, Pricing, tiktokCoinsToUsd } from '../../src/events'

describe('Pricing: priceNormalized in one currency', () => {
  test('CNY by default at 7.1 CNY per USD: a TikTok USD price is converted, a CNY one kept', () => {
    expect(DEFAULT_PRICING.currency).toBe('CNY')
    expect(DEFAULT_PRICING.fields(tiktokCoinsToUsd(100, 0.0133), 'USD')).toEqual({ priceNormalized: 9.443, currency: 'CNY', priceOriginal: 1.33, currencyOriginal: 'USD' })
    expect(DEFAULT_PRICING.fields(douyinDiamondsToCny(30), 'CNY')).toEqual({ priceNormalized: 3, currency: 'CNY', priceOriginal: 3, currencyOriginal: 'CNY' })
  })

  test('PRICE_CURRENCY=USD at a configured rate converts CNY and keeps USD', () => {
    const usd = new Pricing('USD', 8)
    expect(usd.fields(bilibiliGoldToCny(30_000), 'CNY')).toEqual({ priceNormalized: 3.75, currency: 'USD', priceOriginal: 30, currencyOriginal: 'CNY' })
    expect(usd.convert(1.33, 'USD')).toBe(1.33)
    // Rounded to 1/10000, so sums stay free of float noise.
    expect(usd.convert(1, 'CNY')).toBe(0.125)
    expect(new Pricing('USD', 7.1).convert(1, 'CNY')).toBe(0.1408)
  })

  test('free is free in every currency; a bad rate is refused', () => {
    expect(DEFAULT_PRICING.convert(0, 'USD')).toBe(0)
    expect(new Pricing('USD').convert(bilibiliGoldToCny(500, 'silver'), 'CNY')).toBe(0)
    expect(() => new Pricing('CNY', 0)).toThrow(RangeError)
    expect(() => new Pricing('CNY', Number.NaN)).toThrow(RangeError)
  })
})
