import type { LikeClick, LikesUpdate } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { isNum, need, num, obj, str } from '../fields'
import { type CmdHandler, minuteBucket } from '../handler'
import { medalFromObject } from '../medal'

/**
 * LIKE_INFO_V3_CLICK: carries no time; one viewer's likes within a minute are one event. A
 * viewer who keeps clicking sends a stream of these, further apart in a busy room than any
 * window of recent ids reaches: the repeats are dropped here, before they are hashed, sent to
 * clients, or cost the writer a COPY that fails on an id it already stored.
 */
export const handleLikeClick: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.uid), 'data.uid')
  const uid = num(d.uid)
  const now = ctx.now()
  const minute = minuteBucket(ctx)
  const event = {
    type: 'like-click',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'like', ctx.roomId, uid, minute),
    uid,
    username: str(d.uname),
    avatar: str(obj(obj(d.uinfo).base).face),
    message: str(d.like_text),
    medal: medalFromObject(d.fans_medal),
    guardType: num(obj(d.fans_medal).guard_level),
    timestamp: now,
    timestampNormalized: now,
  } satisfies LikeClick
  // Checked last, so a message that fails above does not use up the viewer's minute.
  return ctx.firstInMinute(minute, `like:${uid}`) ? event : []
}

/** LIKE_INFO_V3_UPDATE: the room's total like count. */
export const handleLikesUpdate: CmdHandler = (msg, ctx) => {
  need(isNum(obj(msg.data).click_count), 'data.click_count')
  const likes = num(obj(msg.data).click_count)
  const now = ctx.now()
  return {
    type: 'likes-update',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'likes', ctx.roomId, likes),
    uid: 0,
    username: '',
    message: String(likes),
    likes,
    timestamp: now,
    timestampNormalized: now,
  } satisfies LikesUpdate
}
