import type { LaplaceEvent } from '@laplace.live/event-types'
import type { Logger } from 'pino'
import { DEFAULT_PRICING, type LefEvent, type Pricing } from '../../events'
import { hasOneCmdKey, leadingCmd } from './cmd-scan'
import { type BilibiliCounters, bump } from './counters'
import { type Json, obj, str } from './fields'
import type { CmdHandler, HandlerContext } from './handler'
import { handleDanmu } from './handlers/danmu'
import { handleEntryEffect } from './handlers/entry-effect'
import { handleGift } from './handlers/gift'
import { handleGiftV2 } from './handlers/gift-v2'
import { handleUserToast, handleUserToastV2 } from './handlers/guard'
import { handleInteract, handleInteractV2 } from './handlers/interact'
import { handleLikeClick, handleLikesUpdate } from './handlers/like'
import { handleLive, handlePreparing } from './handlers/live-status'
import { handleLotteryAward, handleLotteryStart } from './handlers/lottery'
import { handleAdminEntrance, handleAdminRevoke, handleRecall, handleRoomAdmins, handleRoomBlock } from './handlers/moderation'
import { handleVirtualMvp } from './handlers/mvp'
import { handleCommonNotice, handleEffectDanmaku, handleRoomMeta } from './handlers/notice'
import { handleOnlineRankV2, handleOnlineRankV3 } from './handlers/online-rank'
import { handleRedPocketStart, handleRedPocketWinners } from './handlers/red-pocket'
import { handleOnlineRankCount, handleWatchedChange } from './handlers/room-counts'
import { handleCutOff, handleRoomChange, handleSilentOff, handleSilentOn, handleWarning } from './handlers/room-state'
import { handleSuperChat, handleSuperChatDelete } from './handlers/superchat'
import { RecentIds } from '../../events/recent-ids'

/** cmd (suffix stripped) → handler. */
export const HANDLERS: Readonly<Record<string, CmdHandler>> = {
  DANMU_MSG: handleDanmu,
  SEND_GIFT: handleGift,
  SEND_GIFT_V2: handleGiftV2,
  SUPER_CHAT_MESSAGE: handleSuperChat,
  SUPER_CHAT_MESSAGE_JPN: handleSuperChat,
  SUPER_CHAT_MESSAGE_DELETE: handleSuperChatDelete,
  USER_TOAST_MSG: handleUserToast,
  USER_TOAST_MSG_V2: handleUserToastV2,
  INTERACT_WORD: handleInteract,
  INTERACT_WORD_V2: handleInteractV2,
  ENTRY_EFFECT: handleEntryEffect,
  LIKE_INFO_V3_CLICK: handleLikeClick,
  LIKE_INFO_V3_UPDATE: handleLikesUpdate,
  WATCHED_CHANGE: handleWatchedChange,
  ONLINE_RANK_COUNT: handleOnlineRankCount,
  LIVE: handleLive,
  PREPARING: handlePreparing,
  WARNING: handleWarning,
  CUT_OFF: handleCutOff,
  ROOM_CHANGE: handleRoomChange,
  ROOM_SILENT_ON: handleSilentOn,
  ROOM_SILENT_OFF: handleSilentOff,
  ROOM_BLOCK_MSG: handleRoomBlock,
  RECALL_DANMU_MSG: handleRecall,
  ROOM_ADMINS: handleRoomAdmins,
  room_admin_entrance: handleAdminEntrance,
  ROOM_ADMIN_REVOKE: handleAdminRevoke,
  POPULARITY_RED_POCKET_START: handleRedPocketStart,
  POPULARITY_RED_POCKET_V2_START: handleRedPocketStart,
  POPULARITY_RED_POCKET_WINNER_LIST: handleRedPocketWinners,
  POPULARITY_RED_POCKET_V2_WINNER_LIST: handleRedPocketWinners,
  ANCHOR_LOT_START: handleLotteryStart,
  ANCHOR_LOT_AWARD: handleLotteryAward,
  USER_VIRTUAL_MVP: handleVirtualMvp,
  ONLINE_RANK_V2: handleOnlineRankV2,
  ONLINE_RANK_V3: handleOnlineRankV3,
  COMMON_NOTICE_DANMAKU: handleCommonNotice,
  EFFECT_DANMAKU_MSG: handleEffectDanmaku,
  ROOM_REAL_TIME_MESSAGE_UPDATE: handleRoomMeta,
  ROOM_REAL_TIME_MESSAGE_UPDATE_V2: handleRoomMeta,
}

/**
 * Cmds we know and turn into no event, with the reason. Counted as `ignored`, not unknown.
 */
export const IGNORED_CMDS: Readonly<Record<string, string>> = {
  GUARD_BUY: 'superseded by USER_TOAST_MSG (actual paid price, payflow id)',
  COMBO_SEND: 'summary of SEND_GIFT clicks already counted one by one',
  POPULARITY_RED_POCKET_NEW: 'notification of a red envelope counted at _START',
  POPULARITY_RED_POCKET_V2_NEW: 'notification of a red envelope counted at _V2_START',
  NOTICE_MSG: 'site-wide broadcast banner',
  LOG_IN_NOTICE: 'guest name-masking notice (logged once by the connector)',
  ONLINE_RANK_TOP3: 'leaderboard banner',
  STOP_LIVE_ROOM_LIST: 'site-wide list of rooms that stopped',
  DANMU_AGGREGATION: 'aggregated copy of danmaku already received',
  ENTRY_EFFECT_MUST_RECEIVE: 'copy of ENTRY_EFFECT',
  WIDGET_BANNER: 'UI widget',
  HOT_RANK_CHANGED: 'UI ranking',
  HOT_RANK_CHANGED_V2: 'UI ranking',
  LIKE_INFO_V3_NOTICE: 'UI hint',
  DM_INTERACTION: 'UI aggregation of danmaku already received',
  DANMU_ACTIVITY_CONFIG: 'effect trigger of an EFFECT_DANMAKU_MSG already handled',
}

export interface NormalizerOptions {
  roomId: number
  anchorUid: number
  counters: BilibiliCounters
  log: Logger
  now: () => number
  setLive(live: boolean): void
  /** PRICE_CURRENCY and its rates (default: CNY). */
  pricing?: Pricing
  /** Shared across a room's sessions so a reconnect replay does not re-emit twins. */
  recent?: RecentIds
  /** Called once when upstream says guest names are now masked. */
  onLoginNotice?(): void
}

const decoder = new TextDecoder()

// Keys remembered for the current minute at most (firstInMinute); past it repeats are let
// through to the id-based duplicate filters.
const MINUTE_KEYS = 100_000

/** op 5 bodies → LefEvents. Never throws: bad input is counted and logged. */
export class Normalizer {
  private readonly ctx: HandlerContext
  private readonly recent: RecentIds
  private readonly room: string
  private minute = -1
  private readonly minuteKeys = new Set<string>()

  constructor(private readonly opts: NormalizerOptions) {
    this.room = String(opts.roomId)
    this.recent = opts.recent ?? new RecentIds()
    this.ctx = {
      roomId: opts.roomId, anchorUid: opts.anchorUid, pricing: opts.pricing ?? DEFAULT_PRICING, now: opts.now, setLive: opts.setLive,
      firstInMinute: (minute, key) => this.firstInMinute(minute, key),
    }
  }

  /** One op 5 packet body (JSON). */
  fromBody(body: Uint8Array): LefEvent[] {
    // A body that becomes no event is counted from its leading cmd, without decoding or parsing
    // it (a body that is not JSON further on then counts as ignored/unknown, not as bad).
    const cmd = leadingCmd(body)
    if (cmd !== undefined && !Object.hasOwn(HANDLERS, cmd) && hasOneCmdKey(body)) {
      this.opts.counters.messages++
      this.noEvent(cmd)
      return []
    }
    let msg: unknown
    try {
      msg = JSON.parse(decoder.decode(body))
    } catch {
      this.opts.counters.badFrames++
      this.opts.log.warn({ bytes: body.byteLength }, 'bilibili: message body is not JSON; skipped')
      return []
    }
    return this.fromCommand(obj(msg))
  }

  /** One parsed `{cmd, …}` message. */
  fromCommand(msg: Json): LefEvent[] {
    const c = this.opts.counters
    c.messages++
    // `DANMU_MSG:4:0:2:2:2:0` → DANMU_MSG; some old messages use `msg.cmd`.
    const full = str(msg.cmd) || str(obj(msg.msg).cmd)
    const colon = full.indexOf(':')
    const cmd = colon === -1 ? full : full.slice(0, colon)
    const handler = Object.hasOwn(HANDLERS, cmd) ? HANDLERS[cmd] : undefined
    if (!handler) {
      this.noEvent(cmd)
      return []
    }
    let out: LaplaceEvent | LaplaceEvent[] | null
    try {
      out = handler(msg, this.ctx)
    } catch (err) {
      bump(c.handlerErrors, cmd)
      this.opts.log.warn({ cmd, err: (err as Error).message }, 'bilibili: handler failed on odd data; message skipped')
      return []
    }
    if (out === null) {
      c.ignored++
      return []
    }
    const list = Array.isArray(out) ? out : [out]
    const events: LefEvent[] = []
    for (const e of list) {
      if (!this.recent.add(e.id)) {
        c.duplicates++
        continue
      }
      // Handlers build fresh objects: tag them in place rather than copy every event.
      const tagged = e as LefEvent
      tagged.platform = 'bilibili'
      tagged.room = this.room
      events.push(tagged)
    }
    c.events += events.length
    return events
  }

  private firstInMinute(minute: number, key: string): boolean {
    if (minute !== this.minute) {
      // An earlier minute (the clock stepped back) is not tracked: let it through.
      if (minute < this.minute) return true
      this.minute = minute
      this.minuteKeys.clear()
    }
    const keys = this.minuteKeys
    const before = keys.size
    if (before >= MINUTE_KEYS) return !keys.has(key) || this.repeat()
    keys.add(key)
    return keys.size > before || this.repeat()
  }

  private repeat(): false {
    this.opts.counters.duplicates++
    return false
  }

  /** A cmd without a handler: known and ignored, or unknown (logged the first time). */
  private noEvent(cmd: string): void {
    const c = this.opts.counters
    if (Object.hasOwn(IGNORED_CMDS, cmd)) {
      c.ignored++
      if (cmd === 'LOG_IN_NOTICE') this.opts.onLoginNotice?.()
    } else {
      const n = bump(c.unknownCmds, cmd || '(none)')
      if (n === 1) this.opts.log.debug({ cmd }, 'bilibili: unknown cmd')
    }
  }
}
