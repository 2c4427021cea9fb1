import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import { formatRoomKey, parseRoomKey, type RoomKey } from '../events'

/**
 * The rooms this node held, in a small file in DATA_DIR (`held-rooms.json`). A node that
 * restarts while the database is down (or slow to answer) reconnects them at once from here,
 * before any lease round; the first round that reaches the database then keeps or drops each.
 */
export class HeldRoomsFile {
  private last = ''

  constructor(
    private readonly path: string,
    private readonly nodeId: string,
    private readonly log: Logger,
  ) {}

  /** The rooms saved by this node id; none when the file is missing, unreadable or another node's. */
  load(): RoomKey[] {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch {
      return []
    }
    try {
      const saved = JSON.parse(text) as { node?: unknown; rooms?: unknown }
      if (saved.node !== this.nodeId || !Array.isArray(saved.rooms)) return []
      const rooms: RoomKey[] = []
      for (const id of saved.rooms) rooms.push(parseRoomKey(String(id)))
      this.last = text
      return rooms
    } catch (err) {
      this.log.warn({ path: this.path, err: (err as Error).message }, 'held-rooms file unreadable; ignored')
      return []
    }
  }

  /** Replace the saved list (written to a temporary file and renamed, so a crash leaves the old or the new one). */
  save(rooms: readonly RoomKey[]): void {
    const text = JSON.stringify({ node: this.nodeId, rooms: rooms.map(formatRoomKey).sort() })
    if (text === this.last) return
    try {
      mkdirSync(dirname(this.path), { recursive: true })
      writeFileSync(`${this.path}.tmp`, text)
      renameSync(`${this.path}.tmp`, this.path)
      this.last = text
    } catch (err) {
      // Only a faster restart depends on it: the leases in the database stay the truth.
      this.log.warn({ path: this.path, err: (err as Error).message }, 'could not save the held-rooms file')
    }
  }
}
