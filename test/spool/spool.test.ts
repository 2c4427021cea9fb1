import { afterEach, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { replaySpool } from '../../src/spool/replay-spool'
import { Spool, type SpoolOptions } from '../../src/spool/spool'
import { spoolJournal } from '../../src/spool/spool-journal'
import { lockSpoolDir, SpoolLockedError } from '../../src/spool/spool-lock'
import { EventWriter } from '../../src/store/event-writer'
import type { NewEventRow } from '../../src/store/schema'
import { silentLog } from '../support/app'
import { giftEvent, messageEvent } from '../support/events'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lef-spool-'))
  dirs.push(d)
  return d
}

function openSpool(dir: string, over: Partial<SpoolOptions> = {}): Spool {
  return Spool.open({ dir, maxBytes: 64 * 1024 * 1024, fsyncMs: 2, log: silentLog, ...over })
}

const segmentFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.seg')).sort()

/** Every record of every segment an earlier run left, oldest first. */
async function recoverAll(spool: Spool) {
  const out = []
  for (let batch = await spool.recover(); batch; batch = await spool.recover()) out.push(...batch)
  return out
}

describe('Spool', () => {
  test('appends reach the disk by synced(), and come back in order after a restart', async () => {
    const dir = tempDir()
    const a = openSpool(dir)
    for (let i = 0; i < 100; i++) a.append({ event: giftEvent(i), receivedAt: 1000 + i }, true)
    expect(await a.synced()).toBe(true)
    // Before close: what synced() promised is in the file already (this is what survives SIGKILL).
    const onDisk = segmentFiles(dir).reduce((n, f) => n + readFileSync(join(dir, f)).length, 0)
    expect(onDisk).toBe(a.stats.bytes)
    await a.close()

    const b = openSpool(dir)
    const back = await recoverAll(b)
    console.log(`spool round trip: appended=100 recovered=${back.length} fsyncs=${a.stats.fsyncs} bytes=${a.stats.bytes}`)
    expect(back.map((r) => r.event.id)).toEqual(Array.from({ length: 100 }, (_, i) => `gift-${i}`))
    expect(back[7]!.receivedAt).toBe(1007)
    expect(b.stats).toMatchObject({ recovered: 100, corrupt: 0 })
    await b.close()
  })

  test('a torn tail record is skipped and counted; a damaged record in the middle costs only itself', async () => {
    const dir = tempDir()
    const a = openSpool(dir)
    for (let i = 0; i < 20; i++) a.append({ event: messageEvent(i), receivedAt: i }, false)
    await a.close()
    const [file] = segmentFiles(dir)
    const path = join(dir, file!)
    const bytes = readFileSync(path)
    // Flip one byte inside record 5's payload, then tear the last record in half.
    const inFifth = bytes.indexOf('"msg-5"')
    bytes[inFifth + 2] = bytes[inFifth + 2]! ^ 0xff
    writeFileSync(path, bytes)
    truncateSync(path, bytes.length - 7)

    const b = openSpool(dir)
    const back = await recoverAll(b)
    const ids = back.map((r) => r.event.id)
    console.log(`spool damage: written=20 recovered=${back.length} skipped=${b.stats.corrupt}`)
    expect(ids).not.toContain('msg-5')
    expect(ids).not.toContain('msg-19')
    expect(ids).toHaveLength(18)
    expect(b.stats.corrupt).toBe(2)
    await b.close()
  })

  test('garbage and an empty file are survived, never thrown', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, '0000000000000001.seg'), Buffer.from('LS\xff\xff\xff\xffnot a record at all'))
    writeFileSync(join(dir, '0000000000000002.seg'), Buffer.alloc(0))
    const s = openSpool(dir)
    expect(await recoverAll(s)).toEqual([])
    expect(s.stats.corrupt).toBe(1)
    await Bun.sleep(20)
    // Nothing worth keeping: both files are gone.
    expect(segmentFiles(dir)).toEqual([])
    await s.close()
  })

  test('segments are deleted once every record in them is released', async () => {
    const dir = tempDir()
    const s = openSpool(dir, { segmentBytes: 4096 })
    const tickets: number[] = []
    for (let i = 0; i < 200; i++) tickets.push(s.append({ event: messageEvent(i), receivedAt: i }, false)!)
    await s.synced()
    const before = segmentFiles(dir).length
    expect(before).toBeGreaterThan(5)
    for (const t of tickets.slice(0, 100)) s.release(t)
    await s.synced()
    await Bun.sleep(20)
    const middle = segmentFiles(dir).length
    for (const t of tickets.slice(100)) s.release(t)
    s.append({ event: messageEvent(999), receivedAt: 0 }, false) // a round closes the last full segment
    await s.synced()
    await Bun.sleep(20)
    const after = segmentFiles(dir).length
    console.log(`spool trim: segments before=${before} half-released=${middle} all-released=${after}`)
    expect(middle).toBeLessThan(before)
    expect(middle).toBeGreaterThan(after)
    expect(after).toBe(1)
    expect(s.stats.bytes).toBe(readFileSync(join(dir, segmentFiles(dir)[0]!)).length)
    await s.close()
  })

  test('bounded in bytes: free events are refused at half the bound, paid ones only at the bound', async () => {
    const dir = tempDir()
    const s = openSpool(dir, { maxBytes: 1024 * 1024 })
    let free = 0
    while (s.append({ event: messageEvent(free), receivedAt: 0 }, false) !== undefined) free++
    let paid = 0
    while (s.append({ event: giftEvent(paid), receivedAt: 0 }, true) !== undefined) paid++
    expect(s.append({ event: messageEvent(0), receivedAt: 0 }, false)).toBeUndefined()
    console.log(`spool bound 1 MiB: free accepted=${free} paid accepted after free refused=${paid} refused=${s.stats.refused} bytes=${s.stats.bytes}`)
    expect(free).toBeGreaterThan(100)
    expect(paid).toBeGreaterThan(100)
    expect(s.stats.bytes).toBeLessThanOrEqual(1024 * 1024)
    expect(s.stats.bytes).toBeGreaterThan(1024 * 1024 * 0.99)
    expect(s.stats.refused).toBe(3)
    await s.close()
  })

  test('replay: a writer that never reached the database leaves its events to the next one', async () => {
    const dir = tempDir()
    const down = { insertRows: async (): Promise<Set<string>> => Promise.reject(new Error('connection refused')) }
    const a = openSpool(dir)
    const w1 = new EventWriter({ sink: down, journal: spoolJournal(a), log: silentLog, batchSize: 50, flushMs: 5, maxBuffer: 10_000, retryBaseMs: 5, retryCapMs: 10 })
    for (let i = 0; i < 300; i++) w1.write(i % 3 === 0 ? giftEvent(i) : messageEvent(i))
    await w1.close(50)
    await a.close() // a crash is the same for the spool: synced() has the records on disk already

    const stored: string[] = []
    const up = { insertRows: async (rows: NewEventRow[]) => (stored.push(...rows.map((r) => r.id)), new Set(rows.map((r) => r.id))) }
    const b = openSpool(dir, { segmentBytes: 8192 })
    const w2 = new EventWriter({ sink: up, journal: spoolJournal(b), log: silentLog, batchSize: 50, flushMs: 5, maxBuffer: 100 })
    const replayed = await replaySpool({ spool: b, writer: w2, log: silentLog, maxBuffered: 40, signal: new AbortController().signal, pollMs: 2 })
    await w2.flush()
    await Bun.sleep(30)
    console.log(`spool replay: written before crash=0 of 300, replayed=${replayed}, stored after restart=${stored.length}, segments left=${segmentFiles(dir).length}`)
    expect(replayed).toBe(300)
    expect(new Set(stored).size).toBe(300)
    expect(stored.filter((id) => id.startsWith('gift'))).toHaveLength(100)
    expect(segmentFiles(dir)).toEqual([])
    await b.close()
  })

  test('the writer refuses (and counts) an event the spool has no room for', async () => {
    const dir = tempDir()
    const s = openSpool(dir, { maxBytes: 1024 * 1024 })
    const never = { insertRows: () => new Promise<Set<string>>(() => {}) }
    const w = new EventWriter({ sink: never, journal: spoolJournal(s), log: silentLog, batchSize: 1_000_000, flushMs: 60_000, maxBuffer: 1_000_000 })
    let accepted = 0
    for (let i = 0; i < 5000; i++) if (w.write(messageEvent(i))) accepted++
    expect(accepted).toBeLessThan(5000)
    expect(w.stats.dropped).toBe(5000 - accepted)
    expect(w.write(giftEvent(1))).toBe(true)
    await s.close()
  })

  test('one process per spool directory; a dead holder is taken over', () => {
    const dir = tempDir()
    const release = lockSpoolDir(dir)
    // A live other process (the parent test runner) holds it:
    writeFileSync(join(dir, 'lock'), String(process.ppid))
    expect(() => lockSpoolDir(dir)).toThrow(SpoolLockedError)
    // A dead one does not:
    writeFileSync(join(dir, 'lock'), '2147483000')
    const again = lockSpoolDir(dir)
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(String(process.pid))
    again()
    release()
  })
})

test('a clean close with everything stored leaves no segment behind', async () => {
  const dir = tempDir()
  const s = openSpool(dir)
  const tickets = Array.from({ length: 10 }, (_, i) => s.append({ event: messageEvent(i), receivedAt: i }, false)!)
  await s.synced()
  expect(segmentFiles(dir)).toHaveLength(1)
  for (const t of tickets) s.release(t)
  await s.close()
  expect(segmentFiles(dir)).toEqual([])
})

test('an app with DATA_DIR spools what it receives, trims it once stored, and shows it in /metrics', async () => {
  const dir = tempDir()
  const { startTestApp } = await import('../support/app')
  const app = await startTestApp({ DATA_DIR: dir })
  try {
    for (let i = 0; i < 50; i++) app.bus.publish(giftEvent(i))
    await app.writer.flush()
    const text = await (await fetch(`${app.url}/metrics`)).text()
    expect(text).toContain('lef_spool_records_total{outcome="appended"} 50')
    expect(text).toMatch(/lef_spool_bytes \d+/)
  } finally {
    await app.stop()
  }
  // Everything was stored: a clean stop leaves no segment (and no lock) behind.
  expect(readdirSync(join(dir, 'spool'))).toEqual([])
}, 30_000)

test('an unusable DATA_DIR is a configuration error naming it, not a crash', async () => {
  const file = join(tempDir(), 'a-file')
  writeFileSync(file, '')
  const { startTestApp } = await import('../support/app')
  const { ConfigError } = await import('../../src/config')
  const started = startTestApp({ DATA_DIR: join(file, 'data') })
  await expect(started).rejects.toBeInstanceOf(ConfigError)
  await expect(started).rejects.toThrow(/DATA_DIR: cannot use .*a-file\/data\/spool for the spool \(ENOTDIR\)/)
})

test('a failing disk: synced() says false (producers are not acknowledged), appends are kept and written once it works again', async () => {
  const dir = tempDir()
  const s = openSpool(join(dir, 'spool'))
  rmSync(join(dir, 'spool'), { recursive: true })
  s.append({ event: giftEvent(1), receivedAt: 1 }, true)
  expect(await s.synced()).toBe(false)
  expect(s.stats.writeErrors).toBeGreaterThan(0)
  mkdirSync(join(dir, 'spool'))
  s.append({ event: giftEvent(2), receivedAt: 2 }, true)
  expect(await s.synced()).toBe(true)
  await s.close()
  const back = await recoverAll(openSpool(join(dir, 'spool')))
  console.log(`spool disk failure: write errors=${s.stats.writeErrors} recovered after repair=${back.length} of 2`)
  expect(back.map((r) => r.event.id)).toEqual(['gift-1', 'gift-2'])
})
