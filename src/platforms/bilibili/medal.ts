import type { FansMedal } from '@laplace.live/internal'
import { arr, num, obj, str } from './fields'

export const NO_MEDAL: FansMedal = { level: 0, name: '', room: 0, guardType: 0, lightened: 0, uid: 0 }

/** `fans_medal` / `medal_info` objects (INTERACT_WORD, SEND_GIFT, SUPER_CHAT_MESSAGE, LIKE…). */
export function medalFromObject(v: unknown): FansMedal {
  const m = obj(v)
  const level = num(m.medal_level)
  if (!level && !m.medal_name) return NO_MEDAL
  return {
    level,
    name: str(m.medal_name),
    room: num(m.anchor_roomid),
    guardType: num(m.guard_level),
    lightened: num(m.is_lighted),
    uid: num(m.target_id),
  }
}

/** DANMU_MSG `info[3]`: [level, name, anchor_uname, room_id, color, special, 0, border, start, end, guard, lighted, ruid]. */
export function medalFromDanmuArray(v: unknown): FansMedal {
  const a = arr(v)
  if (a.length === 0) return NO_MEDAL
  return {
    level: num(a[0]),
    name: str(a[1]),
    room: num(a[3]),
    guardType: num(a[10]),
    lightened: num(a[11]),
    uid: num(a[12]),
  }
}

/** `uinfo.medal` (ENTRY_EFFECT and newer cmds): {name, level, ruid, guard_level, is_light}. */
export function medalFromUinfo(v: unknown): FansMedal {
  const m = obj(v)
  const level = num(m.level)
  if (!level && !m.name) return NO_MEDAL
  return { level, name: str(m.name), room: 0, guardType: num(m.guard_level), lightened: num(m.is_light), uid: num(m.ruid) }
}
