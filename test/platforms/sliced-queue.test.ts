import { describe, expect, test } from 'bun:test'
import { SlicedQueue, socketLane } from '../../src/platforms/sliced-queue'

const busy = (ms: number) => {
  const end = performance.now() + ms
  while (performance.now() < end);
}

describe('SlicedQueue', () => {
  test('runs callbacks in arrival order, after the caller returns', async () => {
    const q = new SlicedQueue(() => {})
    const seen: number[] = []
    for (let i = 0; i < 100; i++) q.push(() => seen.push(i))
    expect(seen).toEqual([])
    await Bun.sleep(5)
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(q.length).toBe(0)
  })

  test('a long backlog runs in slices: a timer due meanwhile fires between them, not after all', async () => {
    const q = new SlicedQueue(() => {}, 4)
    let done = 0
    for (let i = 0; i < 200; i++) q.push(() => (busy(0.5), done++)) // ~100 ms of work
    let doneWhenTimerFired = -1
    setTimeout(() => (doneWhenTimerFired = done), 10)
    while (done < 200) await Bun.sleep(5)
    expect(doneWhenTimerFired).toBeGreaterThan(0)
    expect(doneWhenTimerFired).toBeLessThan(150)
  })

  test('a callback that throws is counted and reported; the rest still run', async () => {
    const errors: unknown[] = []
    const q = new SlicedQueue((err) => errors.push(err))
    const seen: string[] = []
    q.push(() => seen.push('a'))
    q.push(() => {
      throw new Error('boom')
    })
    q.push(() => seen.push('c'))
    await Bun.sleep(5)
    expect(seen).toEqual(['a', 'c'])
    expect(q.failures).toBe(1)
    expect((errors[0] as Error).message).toBe('boom')
  })

  test('past maxBytes the oldest callbacks run on the spot until the queue is back under, in order', () => {
    const q = new SlicedQueue(() => {}, 4, 1000)
    const seen: number[] = []
    for (let i = 0; i < 25; i++) q.push(() => seen.push(i), 100)
    // Each push past 1,000 bytes ran just enough of the oldest to make room: 10 frames wait.
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => i))
    expect(q.length).toBe(10)
    expect(q.queuedBytes).toBe(1000)
  })

  test('socketLane: callbacks queued before the socket settled are skipped once it has; a throw is logged and counted', async () => {
    const counted: unknown[] = []
    const q = new SlicedQueue((err) => counted.push(err))
    let open = true
    const logged: unknown[] = []
    const run = socketLane(q, () => open, (err) => logged.push(err))
    const seen: string[] = []
    run(() => seen.push('frame 1'))
    run(() => {
      seen.push('close')
      open = false
    })
    run(() => seen.push('frame after close'))
    await Bun.sleep(5)
    expect(seen).toEqual(['frame 1', 'close'])
    open = true
    run(() => {
      throw new Error('handler bug')
    })
    await Bun.sleep(5)
    expect((logged[0] as Error).message).toBe('handler bug')
    expect(counted).toEqual(logged)
    expect(q.failures).toBe(1)
  })
})
