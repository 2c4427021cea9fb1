import { describe, expect, test } from 'bun:test'
import { keyFromUrl, mixinKey, signWbi } from '../../../src/platforms/bilibili/wbi'

// Test vector from docs/protocols/bilibili.md §3.3.
const keys = { imgKey: '7cd084941338484aae1ad9425b84077c', subKey: '4932caff0ff746eab6f01bf08b70ac45' }

describe('bilibili WBI signing', () => {
  test('mixin key of the documented keys', () => {
    expect(mixinKey(keys)).toBe('ea1db124af3c7062474693fa704f4ff8')
  })

  test('documented vector: foo=114, bar=514, zab=1919810 at wts=1702204169', () => {
    const q = signWbi({ foo: '114', bar: '514', zab: 1919810 }, keys, 1702204169)
    expect(q).toBe('bar=514&foo=114&wts=1702204169&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4')
  })

  test("values lose !'()* and encode spaces as %20", () => {
    const q = signWbi({ a: "x y!'()*" }, keys, 1)
    expect(q.startsWith('a=x%20y&wts=1&w_rid=')).toBe(true)
  })

  test('key from the nav image url', () => {
    expect(keyFromUrl('https://i0.hdslb.com/bfs/wbi/7cd084941338484aae1ad9425b84077c.png')).toBe(keys.imgKey)
  })
})
