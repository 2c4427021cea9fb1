import type { LefEvent } from '../../src/events'

/** Rooms the fan-out events are spread over (Bilibili keys, so any client filter form works). */
export const FANOUT_ROOM_BASE = 300_001

/** A tag for one publisher process (one trial). */
export const newRunTag = (): string => crypto.randomUUID().slice(0, 8)

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now()

/**
 * A realistic chat event carrying its publish time in `message` (`t=<ms>`), so a client in
 * another process can compute publish → receive latency from the event alone. `run` keeps ids
 * unique across trials: the trials share one database, and ids a trial before had stored made
 * every later batch meet stored ids (a failed COPY and a lookup each), work no live stream does.
 */
export function fanoutEvent(n: number, room: number, publishedAt: number, run: string): LefEvent {
  return {
    type: 'message', id: `bench-fanout-${run}-${n}`, origin: room, originIdx: 0, uid: 2000 + (n % 5000), username: `viewer${n % 5000}`,
    avatar: 'https://i0.hdslb.com/bfs/face/member/noface.jpg', nameColor: '', message: `t=${publishedAt}`, userType: 0, userLvl: 0,
    userLvlBorder: 0, currentRank: 0, phoneVerified: 1, guardType: 0, sendType: 0, medal: null, reply: {}, idStr: `bench-${run}-${n}`,
    wealthMedalLevel: 0, timestamp: Math.floor(publishedAt), timestampNormalized: Math.floor(publishedAt), read: false,
    platform: 'bilibili', room: String(room),
  } as unknown as LefEvent
}

/** Publish time back out of a received event's JSON text (`"message":"t=…"`). */
export function publishedAtOf(json: string): number | undefined {
  const i = json.indexOf('"message":"t=')
  if (i < 0) return undefined
  return Number.parseFloat(json.slice(i + 13, json.indexOf('"', i + 13)))
}

/** Messages the publisher and the clients exchange over IPC. */
export type PublishRequest = { kind: 'publish'; rate: number; seconds: number; rooms: number }
export type PublishDone = { kind: 'published'; total: number; perRoom: number[]; lateTicks: number; seconds: number }
