import { describe, expect, test } from 'bun:test'
import { RecentIds } from '../../src/events/recent-ids'

describe('RecentIds', () => {
  test('remembers ids until capacity, then forgets the oldest first', () => {
    const r = new RecentIds(3)
    expect(['a', 'b', 'c'].map((id) => r.add(id))).toEqual([true, true, true])
    expect(r.add('b')).toBe(false)
    expect(r.add('d')).toBe(true) // evicts a
    expect(r.has('a')).toBe(false)
    expect(['b', 'c', 'd'].every((id) => r.has(id))).toBe(true)
    expect(r.size).toBe(3)
    // A repeat does not refresh an id: b is still the oldest and goes next.
    r.add('e')
    expect(r.has('b')).toBe(false)
    expect(r.has('c')).toBe(true)
  })

  test('stays at its capacity over a long run (a million ids through 1,000 slots)', () => {
    const r = new RecentIds(1000)
    for (let i = 0; i < 1_000_000; i++) r.add(`id-${i}`)
    expect(r.size).toBe(1000)
    expect(r.has('id-998999')).toBe(false)
    expect(r.has('id-999000')).toBe(true)
  })

  test('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(RangeError)
    expect(() => new RecentIds(1.5)).toThrow(RangeError)
  })
})
