import { describe, expect, test } from 'bun:test'
import { RecentIds } from '../../src/events/recent-ids'

describe('RecentIds', () => {
  test('remembers at least the last `capacity` ids, and forgets the older ones a generation at a time', () => {
    const r = new RecentIds(3)
    expect(['a', 'b', 'c'].map((id) => r.add(id))).toEqual([true, true, true])
    expect(r.add('b')).toBe(false)
    expect(['d', 'e'].map((id) => r.add(id))).toEqual([true, true])
    // a, b, c are the previous generation: still remembered beside d, e.
    expect(['a', 'b', 'c', 'd', 'e'].every((id) => r.has(id))).toBe(true)
    expect(r.add('a')).toBe(false)
    expect(r.size).toBe(5)
    // f fills the current generation: a, b, c are dropped together; the last 3 stay.
    expect(r.add('f')).toBe(true)
    expect(['a', 'b', 'c'].some((id) => r.has(id))).toBe(false)
    expect(['d', 'e', 'f'].every((id) => r.has(id))).toBe(true)
    expect(r.add('a')).toBe(true)
  })

  test('a repeat from the previous generation is not re-added (it does not get younger)', () => {
    const r = new RecentIds(2)
    r.add('a')
    r.add('b') // a, b → previous
    expect(r.add('a')).toBe(false)
    r.add('c')
    r.add('d') // c, d → previous; a, b dropped
    expect(r.has('a')).toBe(false)
  })

  test('stays within twice its capacity over a long run (a million ids through 1,000 slots)', () => {
    const r = new RecentIds(1000)
    for (let i = 0; i < 1_000_000; i++) r.add(`id-${i}`)
    expect(r.size).toBeLessThanOrEqual(2000)
    expect(r.size).toBeGreaterThanOrEqual(1000)
    // Every one of the last 1,000 is remembered; ids 2,000 back are not.
    for (let i = 999_000; i < 1_000_000; i++) expect(r.has(`id-${i}`)).toBe(true)
    expect(r.has('id-997999')).toBe(false)
  })

  test('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(RangeError)
    expect(() => new RecentIds(1.5)).toThrow(RangeError)
  })
})
