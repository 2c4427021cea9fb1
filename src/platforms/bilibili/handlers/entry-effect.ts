import type { EntryEffect } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { isNum, need, num, obj, str } from '../fields'
import type { CmdHandler } from '../handler'
import { medalFromUinfo } from '../medal'

/** ENTRY_EFFECT: a guard / high-wealth viewer's entrance banner. `trigger_time` is ns. */
export const handleEntryEffect: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  need(isNum(d.uid), 'data.uid')
  const uinfo = obj(d.uinfo)
  const wealthy = d.wealthy_info ? obj(d.wealthy_info) : null
  const trigger = num(d.trigger_time)
  const uid = num(d.uid)
  return {
    type: 'entry-effect',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    id: hashedEventId('bilibili', 'entry', uid, num(d.id), str(d.trigger_time)),
    uid,
    username: str(obj(uinfo.base).name),
    avatar: str(d.face),
    message: str(d.copy_writing_v2) || str(d.copy_writing),
    effectId: num(d.id),
    textColor: str(d.copy_color),
    nameColor: str(d.highlight_color),
    duration: num(d.effective_time),
    background: str(d.web_basemap_url),
    backgroundAnimated: str(d.web_dynamic_url_webp),
    business: num(d.business),
    guardType: num(d.privilege_type),
    wealthMedalLevel: num(wealthy?.level) || num(obj(uinfo.wealth).level),
    showAvatar: num(d.show_avatar),
    showWealthMedal: wealthy !== null && num(wealthy.level) > 0,
    medal: medalFromUinfo(uinfo.medal),
    timestamp: trigger,
    timestampNormalized: trigger ? Math.floor(trigger / 1e6) : ctx.now(),
  } satisfies EntryEffect
}
