import { describe, expect, test } from 'bun:test'
import { roomOrigin } from '../../src/events'

describe('roomOrigin: the number LAPLACE clients match a room on', () => {
  test('a Bilibili long room id and a Douyin web_rid that is a safe integer are the origin themselves', () => {
    expect(roomOrigin('bilibili', '25034104')).toBe(25034104)
    expect(roomOrigin('douyin', '646454278948')).toBe(646454278948)
  })

  test('a TikTok uniqueId gets a stable number: the same on every call, in [2^52, 2^53 − 1], never 0', () => {
    const a = roomOrigin('tiktok', 'sim_host')
    expect(roomOrigin('tiktok', 'sim_host')).toBe(a)
    expect(Number.isSafeInteger(a)).toBe(true)
    expect(a).toBeGreaterThanOrEqual(2 ** 52)
    expect(a).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
    // A fixed value: nodes, restarts and versions must agree, so the derivation may never change silently.
    expect(roomOrigin('tiktok', 'a')).toBe(6839753627894459)
  })

  test('two TikTok rooms, and the same key on two platforms, get different origins', () => {
    expect(roomOrigin('tiktok', 'host_a')).not.toBe(roomOrigin('tiktok', 'host_b'))
    expect(roomOrigin('tiktok', '123')).not.toBe(123)
    expect(roomOrigin('tiktok', '123')).not.toBe(roomOrigin('douyin', 'x123'))
    const many = new Set(Array.from({ length: 10_000 }, (_, i) => roomOrigin('tiktok', `user_${i}`)))
    expect(many.size).toBe(10_000)
  })

  test('a Douyin web_rid beyond 2^53 or not a number is derived, not rounded or 0', () => {
    const big = '99999999999999999'
    expect(Number.isSafeInteger(Number(big))).toBe(false)
    const o = roomOrigin('douyin', big)
    expect(o).toBeGreaterThanOrEqual(2 ** 52)
    expect(o).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
    expect(o).not.toBe(roomOrigin('douyin', '99999999999999998'))
    expect(roomOrigin('douyin', 'abc_def')).toBeGreaterThan(0)
    // A leading zero is not the same room as the number without it.
    expect(roomOrigin('douyin', '0123')).not.toBe(123)
  })
})
