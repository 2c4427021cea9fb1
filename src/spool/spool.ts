import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { decodeSegment, encodeRecord, type SpoolRecord } from './record'

export interface SpoolOptions {
  /** The spool's own directory (DATA_DIR/spool). */
  dir: string
  /** SPOOL_MAX_BYTES: free events are refused past half of it, paid events past all of it. */
  maxBytes: number
  /** SPOOL_FSYNC_MS: appends are written and fsynced together this often. */
  fsyncMs: number
  log: Logger
  /** A segment file is closed for appends past this size (default: maxBytes / 8, at most 8 MiB). */
  segmentBytes?: number
  /**
   * A fully stored segment is replaced by a new one once it is this old (ms), so a quiet spool
   * does not replay a segment's worth of already-stored events after every restart.
   */
  rotateIdleMs?: number
  now?: () => number
}

export interface SpoolStats {
  /** Bytes in the spool's segments now (written or waiting for the next fsync). */
  bytes: number
  segments: number
  appended: number
  /** Appends refused because the spool was full (the caller counts and logs the event). */
  refused: number
  /** Damaged or torn records skipped while reading segments back. */
  corrupt: number
  /** Records read back from an earlier run. */
  recovered: number
  fsyncs: number
  /** Failed writes or fsyncs (retried on the next round). */
  writeErrors: number
  /** Duration of the last write + fsync, ms. */
  lastSyncMs: number
}

interface Segment {
  id: number
  path: string
  bytes: number
  /** Records appended (or read back) and not yet released. */
  unsettled: number
  /** Encoded records waiting for the next write. */
  pending: Buffer[]
  handle?: FileHandle
  /** From an earlier run and not read back yet: nothing in it may be released or deleted. */
  backlog: boolean
  createdAt: number
  deleted: boolean
}

/** A record read back from an earlier run, with the ticket to release once it is stored. */
export interface RecoveredRecord extends SpoolRecord {
  ticket: number
}

const SEGMENT_NAME = /^(\d{16})\.seg$/

/**
 * An append-only journal of received events in a directory of segment files. Appends are
 * encoded at once and written with one fsync per round (`fsyncMs`); `synced()` says when what
 * was appended so far is on disk. Each append returns a ticket (its segment); once every record
 * of a segment is released (stored in the database), the segment file is deleted. Segments left
 * by an earlier run are read back through `recover()`.
 */
export class Spool {
  readonly stats: SpoolStats = {
    bytes: 0, segments: 0, appended: 0, refused: 0, corrupt: 0, recovered: 0, fsyncs: 0, writeErrors: 0, lastSyncMs: 0,
  }

  private readonly segments = new Map<number, Segment>()
  private current: Segment | undefined
  private nextId: number
  private appendGen = 0
  private syncedGen = 0
  private waiters: Array<{ gen: number; resolve: (ok: boolean) => void }> = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private syncing: Promise<void> | undefined
  private readonly deleting = new Set<Promise<void>>()
  private failing = false
  private closed = false
  private readonly segmentBytes: number
  private readonly now: () => number

  private constructor(private readonly opts: SpoolOptions, existing: Array<{ id: number; bytes: number }>) {
    this.now = opts.now ?? Date.now
    this.segmentBytes = opts.segmentBytes ?? Math.max(64 * 1024, Math.min(8 * 1024 * 1024, Math.floor(opts.maxBytes / 8)))
    for (const { id, bytes } of existing) {
      this.segments.set(id, { id, path: this.pathOf(id), bytes, unsettled: 0, pending: [], backlog: true, createdAt: 0, deleted: false })
      this.stats.bytes += bytes
    }
    this.stats.segments = this.segments.size
    this.nextId = existing.length > 0 ? existing.at(-1)!.id + 1 : 1
  }

  /** Open (creating) the spool directory; segments found there wait for `recover()`. */
  static open(opts: SpoolOptions): Spool {
    mkdirSync(opts.dir, { recursive: true })
    const existing = readdirSync(opts.dir)
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ id: Number(m[1]), bytes: statSync(join(opts.dir, m[0])).size }))
      .sort((a, b) => a.id - b.id)
    return new Spool(opts, existing)
  }

  /** Segments from an earlier run still to be read back. */
  get backlogSegments(): number {
    let n = 0
    for (const s of this.segments.values()) if (s.backlog) n++
    return n
  }

  /**
   * Read back the oldest segment left by an earlier run: its valid records, each with a ticket
   * to release once stored. Undefined when none is left. A damaged stretch is skipped and
   * logged with a count.
   */
  async recover(): Promise<RecoveredRecord[] | undefined> {
    const seg = [...this.segments.values()].find((s) => s.backlog)
    if (!seg) return undefined
    let buf: Uint8Array
    try {
      buf = await readFile(seg.path)
    } catch (err) {
      this.opts.log.error({ err, segment: seg.path }, 'spool: cannot read a segment; leaving it in place')
      seg.backlog = false
      seg.unsettled = 1
      return []
    }
    const { records, skipped, skippedBytes } = decodeSegment(buf)
    if (skipped > 0) {
      this.stats.corrupt += skipped
      this.opts.log.error({ segment: seg.path, skipped, skippedBytes, kept: records.length }, 'spool: skipped damaged or torn records')
    }
    this.stats.recovered += records.length
    seg.backlog = false
    seg.unsettled = records.length
    this.dropIfDone(seg)
    return records.map((r) => ({ ...r, ticket: seg.id }))
  }

  /**
   * Append a record; it reaches the disk with the next fsync round. Returns the ticket to
   * release once the record is stored, or undefined when the spool is full: free events are
   * refused past half of maxBytes, paid ones past maxBytes.
   */
  append(record: SpoolRecord, paid: boolean): number | undefined {
    const buf = encodeRecord(record)
    const limit = paid ? this.opts.maxBytes : this.opts.maxBytes / 2
    if (this.closed || this.stats.bytes + buf.length > limit) {
      this.stats.refused++
      return undefined
    }
    const seg = this.writable()
    seg.pending.push(buf)
    seg.bytes += buf.length
    seg.unsettled++
    this.stats.bytes += buf.length
    this.stats.appended++
    this.appendGen++
    this.schedule()
    return seg.id
  }

  /** The record behind this ticket is stored: its segment goes once all of its records are. */
  release(ticket: number): void {
    const seg = this.segments.get(ticket)
    if (!seg || seg.unsettled === 0) return
    seg.unsettled--
    this.dropIfDone(seg)
  }

  /** Resolves once everything appended before the call is fsynced: true, or false if that failed. */
  synced(): Promise<boolean> {
    const gen = this.appendGen
    if (this.syncedGen >= gen) return Promise.resolve(true)
    return new Promise((resolve) => this.waiters.push({ gen, resolve }))
  }

  /** Write and fsync what is pending, then close the files. Segments stay for the next start. */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
    await this.syncing
    await this.syncRound()
    for (const seg of this.segments.values()) {
      await seg.handle?.close().catch(() => {})
      seg.handle = undefined
    }
    // Everything stored: leave no segment behind to be replayed (harmlessly, but for nothing) next start.
    const last = this.current
    if (last && last.unsettled === 0 && last.pending.length === 0) this.current = undefined
    for (const seg of [...this.segments.values()]) this.dropIfDone(seg)
    await Promise.all(this.deleting)
  }

  private writable(): Segment {
    const cur = this.current
    const t = this.now()
    const full = cur !== undefined && cur.bytes >= this.segmentBytes
    const idleDone = cur !== undefined && cur.unsettled === 0 && cur.bytes > 0 && t - cur.createdAt >= (this.opts.rotateIdleMs ?? 1000)
    if (cur && !full && !idleDone) return cur
    const id = this.nextId++
    const seg: Segment = { id, path: this.pathOf(id), bytes: 0, unsettled: 0, pending: [], backlog: false, createdAt: t, deleted: false }
    this.segments.set(id, seg)
    this.stats.segments = this.segments.size
    this.current = seg
    if (cur) this.dropIfDone(cur)
    return seg
  }

  private schedule(): void {
    if (this.timer || this.syncing || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.syncing = this.syncRound().finally(() => {
        this.syncing = undefined
        if (this.syncedGen < this.appendGen) this.schedule()
      })
    }, this.opts.fsyncMs)
  }

  /** One round: every segment's pending records written and fsynced, then waiters told. */
  private async syncRound(): Promise<void> {
    const gen = this.appendGen
    const started = performance.now()
    let ok = true
    for (const seg of [...this.segments.values()]) {
      if (seg.pending.length === 0) {
        await this.retire(seg)
        continue
      }
      const chunks = seg.pending
      seg.pending = []
      try {
        if (!seg.handle) seg.handle = await this.create(seg)
        await seg.handle.write(Buffer.concat(chunks))
        await seg.handle.datasync()
      } catch (err) {
        ok = false
        seg.pending = [...chunks, ...seg.pending]
        // Logged when it starts failing and then every 100th time: retries come every round.
        if (this.stats.writeErrors++ % 100 === 0 || !this.failing) this.opts.log.error({ err, segment: seg.path, writeErrors: this.stats.writeErrors }, 'spool: write or fsync failed; retrying')
        this.failing = true
        continue
      }
      await this.retire(seg)
    }
    this.stats.fsyncs++
    this.stats.lastSyncMs = performance.now() - started
    if (ok) {
      if (this.failing) this.opts.log.info({ writeErrors: this.stats.writeErrors }, 'spool: writing again')
      this.failing = false
      this.syncedGen = gen
    }
    const settled = this.waiters.filter((w) => !ok || w.gen <= gen)
    this.waiters = this.waiters.filter((w) => ok && w.gen > gen)
    for (const w of settled) w.resolve(ok)
  }

  /** A segment closed for appends and fully written: close its file, delete it if all is stored. */
  private async retire(seg: Segment): Promise<void> {
    if (seg === this.current || seg.pending.length > 0) return
    const handle = seg.handle
    seg.handle = undefined
    await handle?.close().catch(() => {})
    this.dropIfDone(seg)
  }

  /** Create a segment file and make its directory entry durable too. */
  private async create(seg: Segment): Promise<FileHandle> {
    const handle = await open(seg.path, 'a')
    const dir = await open(this.opts.dir, 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
    return handle
  }

  /** Delete a segment nothing refers to any more: closed for appends, written, every record stored. */
  private dropIfDone(seg: Segment): void {
    if (seg === this.current || seg.backlog || seg.deleted || seg.unsettled > 0 || seg.pending.length > 0) return
    // Its file is still open: the next round closes it and calls back here.
    if (seg.handle) return this.schedule()
    seg.deleted = true
    this.segments.delete(seg.id)
    this.stats.segments = this.segments.size
    this.stats.bytes -= seg.bytes
    const deleting = unlink(seg.path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') this.opts.log.warn({ err, segment: seg.path }, 'spool: could not delete a stored segment')
    })
    this.deleting.add(deleting)
    void deleting.finally(() => this.deleting.delete(deleting))
  }

  private pathOf(id: number): string {
    return join(this.opts.dir, `${String(id).padStart(16, '0')}.seg`)
  }
}
