import { describe, expect, test } from 'bun:test'
import pino from 'pino'
import { ClientBudget, type BudgetMember } from '../../src/fanout/client-budget'
import { LocalEventBus } from '../../src/bus/event-bus'
import { FanoutHub } from '../../src/fanout/fanout-hub'
import type { FeedSink } from '../../src/fanout/feed'
import { silentLog } from '../support/app'
import { messageEvent } from '../support/events'

/** A queue whose size the test sets; records when it is cut. */
class Queue implements BudgetMember {
  cut: string | undefined
  constructor(
    readonly name: string,
    public bytes: number,
    private readonly order: string[],
  ) {}
  queued(): number {
    return this.bytes
  }
  cutForBudget(reason: string): void {
    this.cut = reason
    this.order.push(this.name)
  }
}

function logLines() {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(JSON.parse(l)) })
  return { log, lines }
}

describe('ClientBudget', () => {
  test('over the total, the largest queues are cut first until it fits; the rest stay', () => {
    const order: string[] = []
    const { log, lines } = logLines()
    const budget = new ClientBudget({ totalBytes: 1000, log, refreshMs: 0 })
    const qs = [new Queue('a', 100, order), new Queue('b', 500, order), new Queue('c', 300, order), new Queue('d', 50, order)]
    for (const q of qs) budget.join(q)
    for (const q of qs) budget.record(q, q.bytes)
    expect(order).toEqual([])
    expect(budget.stats.queuedBytes).toBe(950)
    qs[3]!.bytes = 450
    budget.record(qs[3]!, 450) // 1350: b (500) goes, 850 fits
    expect(order).toEqual(['b'])
    qs[0]!.bytes = 600
    budget.record(qs[0]!, 600) // 1350: a (600) goes, 750 fits
    expect(order).toEqual(['b', 'a'])
    expect(budget.stats).toEqual({ queuedBytes: 750, cuts: 2 })
    expect(qs[1]!.cut).toMatch(/CLIENT_BUFFER_TOTAL/)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ cut: 1, msg: expect.stringContaining('CLIENT_BUFFER_TOTAL') })
  })

  test('a queue that drained since its last write is measured again, not cut for stale bytes', () => {
    const order: string[] = []
    let now = 0
    const budget = new ClientBudget({ totalBytes: 1000, log: silentLog, now: () => now, refreshMs: 1000 })
    const fast = new Queue('fast', 900, order)
    const slow = new Queue('slow', 600, order)
    budget.join(fast)
    budget.join(slow)
    now = 5000
    budget.record(fast, 900)
    fast.bytes = 0 // read everything since, without writing again
    budget.record(slow, 600) // recorded 1500 > 1000, but fast holds 0 now
    expect(order).toEqual([])
    expect(budget.stats.queuedBytes).toBe(600)
  })

  test('a member that leaves takes its bytes with it', () => {
    const budget = new ClientBudget({ totalBytes: 1000, log: silentLog })
    const q = new Queue('q', 700, [])
    budget.join(q)
    budget.record(q, 700)
    budget.leave(q)
    expect(budget.stats.queuedBytes).toBe(0)
  })
})

/** A sink that is slow to write to (each write costs CPU), as thousands of sockets are. */
class SlowSink implements FeedSink<string> {
  got: string[] = []
  write(p: string): boolean {
    const until = performance.now() + 0.02
    while (performance.now() < until) {
      // busy: the cost of a socket write
    }
    this.got.push(p)
    return true
  }
  buffered(): number {
    return 0
  }
  cutOff(): void {}
  notice(): void {}
}

describe('time-sliced fan-out', () => {
  test('with many clients, timers run while a burst is fanned out, and every client gets every event in order', async () => {
    const bus = new LocalEventBus()
    const hub = new FanoutHub<string>({
      bus, encode: (e) => e.id, sizeOf: (s) => s.length, maxBuffer: 1e9, log: silentLog,
      replay: { store: { seqOf: async () => undefined, after: async () => [] }, writer: { flush: async () => {} } },
    })
    const sinks = Array.from({ length: 300 }, () => new SlowSink())
    for (const s of sinks) hub.open({}, s)
    const events = 100 // 300 × 100 writes of ≥ 20 µs: over half a second of fan-out
    const t0 = performance.now()
    for (let i = 0; i < events; i++) bus.publish(messageEvent(i, { id: `ts-${i}` }), { stored: true })
    const publishMs = performance.now() - t0
    // A timer (a lease renewal, the writer's flush) asked for now must not wait for the whole burst.
    const timerLag = await new Promise<number>((resolve) => {
      const asked = performance.now()
      setTimeout(() => resolve(performance.now() - asked), 0)
    })
    const backlogSeen = hub.stats.backlog
    const deadline = Date.now() + 30_000
    while (sinks.some((s) => s.got.length < events) && Date.now() < deadline) await Bun.sleep(10)
    const totalMs = performance.now() - t0
    console.log(`time-sliced fan-out: ${sinks.length} clients × ${events} events in ${totalMs.toFixed(0)} ms; publish returned after ${publishMs.toFixed(1)} ms; a timer waited ${timerLag.toFixed(1)} ms; backlog then ${backlogSeen}`)
    expect(publishMs).toBeLessThan(100)
    expect(timerLag).toBeLessThan(50)
    expect(backlogSeen).toBeGreaterThan(0)
    for (const s of sinks) expect(s.got).toEqual(Array.from({ length: events }, (_, i) => `ts-${i}`))
    expect(hub.stats.backlog).toBe(0)
    hub.close()
  }, 60_000)

  test('with few clients, delivery is immediate (synchronous)', () => {
    const bus = new LocalEventBus()
    const hub = new FanoutHub<string>({
      bus, encode: (e) => e.id, sizeOf: (s) => s.length, maxBuffer: 1e9, log: silentLog,
      replay: { store: { seqOf: async () => undefined, after: async () => [] }, writer: { flush: async () => {} } },
    })
    const sink = new SlowSink()
    hub.open({}, sink)
    bus.publish(messageEvent(1, { id: 'now-1' }), { stored: true })
    expect(sink.got).toEqual(['now-1'])
    hub.close()
  })
})
