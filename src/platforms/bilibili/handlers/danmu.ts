import type { Message } from '@laplace.live/event-types'
import type { SimpleEmotesList } from '@laplace.live/internal'
import { hashedEventId } from '../../../events'
import { arr, bool, isNum, type Json, jsonField, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'
import { medalFromDanmuArray } from '../medal'

/** LaplaceEvent's userType for the anchor's own danmaku. */
const USER_TYPE_ANCHOR = 100
/** info[0][12] dm_type: 1 = an emoticon (sticker) danmaku. */
const DM_TYPE_EMOTICON = 1

/**
 * DANMU_MSG (`info` array; docs/protocols/bilibili.md §4.1). Since ~2024 `info[0][15].extra`
 * carries `id_str`, the message's own id: that is the event id. Older captures lack it and get
 * a hash of the fields that identify one danmaku (uid, send time ms, rnd, text).
 */
export const handleDanmu: CmdHandler = (msg, ctx) => {
  const info = arr(msg.info)
  const meta = arr(info[0])
  const text = str(info[1])
  const user = arr(info[2])
  const level = arr(info[4])
  const check = obj(info[9])
  const meta15 = obj(meta[15])
  const extra = jsonField(meta15.extra)
  const uinfo = obj(meta15.user)
  need(Array.isArray(info[0]) && typeof info[1] === 'string' && isNum(user[0]), 'info[0], info[1] text, info[2][0] uid')

  const uid = num(user[0])
  const sentAt = num(meta[4])
  const idStr = str(extra.id_str)
  const id = idStr || hashedEventId('bilibili', 'dm', uid, sentAt, str(meta[5]), text, str(meta[7]))

  const isAdmin = num(user[2]) === 1
  const replyMid = num(extra.reply_mid)
  const event = {
    type: 'message',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id,
    uid,
    username: str(user[1]),
    avatar: str(obj(uinfo.base).face),
    nameColor: str(user[7]),
    message: text,
    userType: ctx.anchorUid !== 0 && uid === ctx.anchorUid ? USER_TYPE_ANCHOR : isAdmin ? 1 : 0,
    userLvl: num(level[0]),
    userLvlBorder: num(level[2]),
    currentRank: num(level[4]),
    phoneVerified: num(user[6]),
    guardType: num(info[7]),
    guardLeader: bool(obj(uinfo.guard_leader).is_guard_leader),
    sendType: num(meta[9]),
    medal: medalFromDanmuArray(info[3]),
    emote: num(meta[12]) === DM_TYPE_EMOTICON ? emoteOf(meta[13]) : undefined,
    bmotes: emotsOf(extra.emots),
    reply: replyMid > 0 ? { uid: replyMid, uname: str(extra.reply_uname) } : {},
    idStr,
    sign: str(check.ct),
    wealthMedalLevel: num(arr(info[16])[0]),
    timestamp: sentAt,
    timestampNormalized: sentAt,
    isMirror: bool(extra.is_mirror),
  } satisfies Message
  return event
}

function emoteOf(v: unknown): Message['emote'] {
  const e = typeof v === 'string' ? jsonField(v) : obj(v)
  if (!e.url) return undefined
  return {
    bulge_display: num(e.bulge_display),
    emoticon_unique: str(e.emoticon_unique),
    height: num(e.height),
    in_player_area: num(e.in_player_area),
    is_dynamic: num(e.is_dynamic),
    url: str(e.url),
    width: num(e.width),
  }
}

/** Inline `[花]` emoji: extra.emots maps each code to its image. */
function emotsOf(v: unknown): SimpleEmotesList | undefined {
  const emots = obj(v)
  const out: SimpleEmotesList = {}
  let any = false
  for (const [code, item] of Object.entries(emots)) {
    const e: Json = obj(item)
    if (!e.url) continue
    out[code] = { url: str(e.url), width: num(e.width), height: num(e.height) }
    any = true
  }
  return any ? out : undefined
}
