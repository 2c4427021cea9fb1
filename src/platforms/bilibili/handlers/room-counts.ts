import type { OnlineUpdate, WatchedUpdate } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'

/**
 * Audience counters. They carry no time or id; the value itself identifies the state, so the
 * same count seen twice is one event.
 */
export const handleWatchedChange: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.num), 'data.num')
  const watched = num(d.num)
  const now = ctx.now()
  return {
    type: 'watched-update',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'watched', ctx.roomId, watched),
    uid: 0,
    username: '',
    message: str(d.text_large) || String(watched),
    watched,
    timestamp: now,
    timestampNormalized: now,
  } satisfies WatchedUpdate
}

/** ONLINE_RANK_COUNT: `count` (高能用户) and, every other message, `online_count`. */
export const handleOnlineRankCount: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.count), 'data.count')
  const count = num(d.count)
  const online = num(d.online_count, count)
  const now = ctx.now()
  return {
    type: 'online-update',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'online', ctx.roomId, count, online),
    uid: 0,
    username: '',
    message: str(d.count_text) || String(count),
    count,
    online,
    timestamp: now,
    timestampNormalized: now,
  } satisfies OnlineUpdate
}
