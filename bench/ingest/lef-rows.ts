import { createCounters } from '../../src/platforms/bilibili/counters'
import { Normalizer } from '../../src/platforms/bilibili/normalize'
import { decodeMessage } from '../../src/platforms/bilibili/packet'
import { Operation } from '../../src/platforms/bilibili/protocol'
import { copyText } from '../../src/store/copy-text'
import { toEventRow } from '../../src/store/event-row'
import type { NewEventRow } from '../../src/store/schema'
import { silentLog } from '../lib/silent-log'
import { readFramesFile } from '../sim/bilibili-rooms'

/** The rooms simulator's anchor uid for a room (its get_info answer). */
const anchorUidOf = (room: number) => 1_000_000 + room

/**
 * The rows lef makes of the frames the rooms simulator sent, made here by lef's own code: the
 * packet decoder, a Normalizer per room (as the connector keeps one per room), toEventRow and
 * copyLine. So the COPY baseline sends PostgreSQL the text lef sends, keys in lef's order. The
 * stored rows cannot give that back: jsonb keeps its keys sorted (by length, then bytes), and a
 * COPY of that text skips the key sort every lef row costs PostgreSQL.
 *
 * `now` stands for lef's clock, which some events read (a like-click's minute and timestamp,
 * a watched count's time), so those rows can differ from lef's in those values. `originIdxOf`
 * gives a room's index in lef's room list, which lef's room supervisor stamps on every event.
 */
export async function lefRowsOf(framesFile: string, now: number, originIdxOf: (room: number) => number): Promise<{ rows: NewEventRow[]; text: Buffer }> {
  const normalizers = new Map<number, Normalizer>()
  const normalizerOf = (room: number) => {
    let n = normalizers.get(room)
    if (!n) {
      n = new Normalizer({ roomId: room, anchorUid: anchorUidOf(room), counters: createCounters(), log: silentLog, now: () => now, setLive: () => {} })
      normalizers.set(room, n)
    }
    return n
  }
  const rows: NewEventRow[] = []
  for (const { room, frame } of await readFramesFile(framesFile)) {
    const normalizer = normalizerOf(room)
    const originIdx = originIdxOf(room)
    for (const p of decodeMessage(frame)) {
      if (p.op !== Operation.Message) continue
      for (const event of normalizer.fromBody(p.body)) {
        event.originIdx = originIdx
        rows.push(toEventRow(event, now))
      }
    }
  }
  return { rows, text: Buffer.from(copyText(rows)) }
}
