import { readFixtureJson } from '../../fixtures'
import type { BilibiliSim } from './sim'

/**
 * Realistic Bilibili room traffic for the demo and load tests: every message is a real fixture
 * (test/fixtures/bilibili) with fresh users, texts, ids and times, so it exercises
 * exactly the shapes the normaliser sees upstream. Deterministic for a given seed.
 */

type Json = Record<string, any>

export interface ScriptedRoomOptions {
  roomId: number
  /** PRNG seed: same seed → same traffic. */
  seed?: number
  /** Clock (ms) stamped into messages. */
  now?: () => number
}

const NAMES = ['花丸晴琉', '夜空の星', '咸鱼本鱼', '打工人小王', 'Kagami', '冰糖雪梨', '猫猫头', '今天也要加油', '路过的观众', '三点水']
const TEXTS = ['晚上好！', '好听！', '哈哈哈哈哈', '主播加油', '来了来了', '这个操作太秀了', '?', '草', '8888888', '打卡']
const GIFTS = [
  { file: '小花花_not_same_badge.json', coin: 'gold' },
  { file: '幸运之钥.json', coin: 'gold' },
  { file: '粉丝团灯牌.json', coin: 'gold' },
  { file: 'Super_target_user.json', coin: 'gold' },
  { file: '辣条_no_badge.json', coin: 'silver' },
]

/** mulberry32: tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const clone = (v: Json): Json => structuredClone(v)
const load = (cmd: string, file: string): Json => readFixtureJson<Json>('bilibili', 'blive-message-listener', cmd, file)

export class ScriptedRoom {
  private readonly rand: () => number
  private readonly now: () => number
  private seq = 0
  private watched = 1000
  private readonly shapes = {
    danmu: load('DANMU_MSG-4-0-2-2-2-0', 'normal_no_badge.json'),
    gifts: GIFTS.map((g) => load('SEND_GIFT', g.file)),
    sc: load('SUPER_CHAT_MESSAGE', 'normal.json'),
    toast: load('USER_TOAST_MSG', 'guard_jianzhang_new.json'),
    guardBuy: load('GUARD_BUY', 'normal.json'),
    enter: load('INTERACT_WORD', 'enter.json'),
    watched: load('WATCHED_CHANGE', '1k.json'),
    like: load('LIKE_INFO_V3_CLICK', 'normal.json'),
  }

  constructor(private readonly opts: ScriptedRoomOptions) {
    this.rand = prng(opts.seed ?? 1)
    this.now = opts.now ?? Date.now
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)] as T
  }

  private user(): { uid: number; uname: string } {
    const i = Math.floor(this.rand() * NAMES.length)
    return { uid: 100000 + i * 7919, uname: NAMES[i] as string }
  }

  /** One tick of traffic: the messages of one WebSocket frame. */
  tick(): Json[] {
    const out: Json[] = []
    const danmaku = Math.floor(this.rand() * 4)
    for (let i = 0; i < danmaku; i++) out.push(this.danmu())
    if (this.rand() < 0.3) out.push(this.gift())
    if (this.rand() < 0.05) out.push(this.superChat())
    if (this.rand() < 0.03) out.push(...this.guard())
    if (this.rand() < 0.2) out.push(this.enter())
    if (this.rand() < 0.1) out.push(this.watchedChange())
    if (this.rand() < 0.1) out.push(this.likeClick())
    return out
  }

  danmu(): Json {
    const m = clone(this.shapes.danmu)
    const u = this.user()
    const t = this.now()
    const text = this.pick(TEXTS)
    const extra = JSON.parse(m.info[0][15].extra)
    extra.content = text
    extra.id_str = `scripted${this.opts.roomId}x${++this.seq}`
    m.cmd = 'DANMU_MSG'
    m.info[0][4] = t
    m.info[0][15].extra = JSON.stringify(extra)
    m.info[1] = text
    m.info[2][0] = u.uid
    m.info[2][1] = u.uname
    m.info[9] = { ts: Math.floor(t / 1000), ct: (this.seq * 2654435761).toString(16).slice(0, 8).toUpperCase() }
    return m
  }

  gift(): Json {
    const m = clone(this.pick(this.shapes.gifts))
    const u = this.user()
    const num = 1 + Math.floor(this.rand() * 3)
    m.data.uid = u.uid
    m.data.uname = u.uname
    m.data.num = num
    m.data.total_coin = m.data.price * num
    m.data.timestamp = Math.floor(this.now() / 1000)
    // Gift tids are global upstream: unique across rooms (rooms tick in step, so time and
    // sequence alone repeat from room to room and turned distinct gifts into "duplicates").
    m.data.tid = `${this.now()}${this.opts.roomId}${String(++this.seq).padStart(6, '0')}`
    m.data.rnd = m.data.tid
    return m
  }

  superChat(): Json {
    const m = clone(this.shapes.sc)
    const u = this.user()
    const price = this.pick([30, 50, 100, 500])
    const t = Math.floor(this.now() / 1000)
    // Super chat ids are global upstream: unique across rooms, as the store expects.
    m.data.id = this.opts.roomId * 1_000_000 + ++this.seq
    m.data.uid = u.uid
    m.data.user_info.uname = u.uname
    m.data.message = this.pick(TEXTS)
    m.data.price = price
    m.data.start_time = t
    m.data.ts = t
    m.data.end_time = t + 60
    return m
  }

  /** A guard purchase as upstream sends it: USER_TOAST_MSG plus its GUARD_BUY twin. */
  guard(): Json[] {
    const u = this.user()
    const renew = this.rand() < 0.5
    const t = Math.floor(this.now() / 1000)
    const toast = clone(this.shapes.toast)
    Object.assign(toast.data, {
      uid: u.uid, username: u.uname, op_type: renew ? 3 : 1, price: renew ? 138000 : 198000,
      payflow_id: `scripted-pay-${this.opts.roomId}-${++this.seq}`, start_time: t, end_time: t,
      toast_msg: `<%${u.uname}%> ${renew ? '自动续费' : '开通'}了舰长`,
    })
    const buy = clone(this.shapes.guardBuy)
    Object.assign(buy.data, { uid: u.uid, username: u.uname, start_time: t, end_time: t })
    return [buy, toast]
  }

  enter(): Json {
    const m = clone(this.shapes.enter)
    const u = this.user()
    const t = this.now()
    Object.assign(m.data, { uid: u.uid, uname: u.uname, roomid: this.opts.roomId, timestamp: Math.floor(t / 1000), trigger_time: t * 1e6 + ++this.seq })
    return m
  }

  watchedChange(): Json {
    const m = clone(this.shapes.watched)
    this.watched += 1 + Math.floor(this.rand() * 20)
    Object.assign(m.data, { num: this.watched, text_small: String(this.watched), text_large: `${this.watched}人看过` })
    return m
  }

  likeClick(): Json {
    const m = clone(this.shapes.like)
    const u = this.user()
    Object.assign(m.data, { uid: u.uid, uname: u.uname })
    return m
  }
}

/** Drive a simulator with scripted traffic every `intervalMs` until stopped. */
export function startScriptedRoom(sim: BilibiliSim, opts: Partial<ScriptedRoomOptions> & { intervalMs?: number } = {}) {
  const room = new ScriptedRoom({ roomId: sim.roomId, ...opts })
  let sent = 0
  const timer = setInterval(() => {
    const msgs = room.tick()
    if (msgs.length > 0 && sim.send(...msgs) > 0) sent += msgs.length
  }, opts.intervalMs ?? 500)
  return {
    room,
    get sent() {
      return sent
    },
    stop: () => clearInterval(timer),
  }
}
