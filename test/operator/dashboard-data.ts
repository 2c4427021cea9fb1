import { DEFAULT_PRICING, roomOrigin, type LefEvent } from '../../src/events'

/**
 * Real-looking traffic for three rooms over the last 72 hours: Bilibili gifts, super chats and
 * guard toasts (CNY), Douyin gifts (CNY), TikTok gifts (USD), and chat. Deterministic, so
 * tests can assert the totals. Half the TikTok gifts are priced as lef prices them now
 * (priceNormalized in CNY, the USD amount in priceOriginal), half as stored before that (USD in
 * priceNormalized): the totals per original currency must count both the same.
 */
export const DASHBOARD_ROOMS = {
  bilibili: { platform: 'bilibili', room: '25034104', origin: 25034104 },
  douyin: { platform: 'douyin', room: '646454278948', origin: 646454278948 },
  tiktok: { platform: 'tiktok', room: 'sim_host', origin: roomOrigin('tiktok', 'sim_host') },
} as const

const NAMES = ['明前奶绿', '咕咕鸽', '夜猫子', '阿狸', 'Lumi', '草莓大福', '小鱼干', 'koi_fan', '星河', '豆包']
const CHAT = ['主播晚上好', '来了来了', '这首歌好听！', '哈哈哈哈', 'gg', '下次什么时候播？', '打卡', '好耶']

export interface Traffic {
  events: LefEvent[]
  /** Paid totals per room key (`platform:room`), in each platform's currency. */
  totals: Record<string, number>
}

export function dashboardTraffic(now: number): Traffic {
  const events: LefEvent[] = []
  const totals: Record<string, number> = {}
  const add = (e: Record<string, unknown>, paid = 0) => {
    events.push(e as unknown as LefEvent)
    const k = `${e.platform}:${e.room}`
    totals[k] = (totals[k] ?? 0) + paid
  }
  const base = (room: (typeof DASHBOARD_ROOMS)[keyof typeof DASHBOARD_ROOMS], i: number, t: number) => ({
    origin: room.origin, originIdx: 0, uid: 100_000 + (i % 10), username: NAMES[i % NAMES.length], avatar: '', timestamp: t, timestampNormalized: t,
    read: false, platform: room.platform, room: room.room, medal: null, wealthMedalLevel: 0, guardType: 0,
  })
  // Evening streams: three blocks of 4 hours, busier towards the end.
  for (let day = 0; day < 3; day++) {
    for (let h = 0; h < 4; h++) {
      const hourStart = now - (60 - day * 24 - h) * 3_600_000
      for (let k = 0; k < 3 + h * 2 + day; k++) {
        const i = day * 1000 + h * 100 + k
        const t = hourStart + k * 97_000
        const b = DASHBOARD_ROOMS.bilibili
        const gold = [1000, 5200, 100_000][k % 3]!
        add({ ...base(b, i, t), type: 'gift', id: `dash-bg-${i}`, giftName: ['小花花', '牛哇牛哇', '嘉年华'][k % 3], giftId: 31036 + (k % 3), giftAmount: 1 + (k % 2), coinType: 'gold', price: gold * (1 + (k % 2)), priceNormalized: (gold / 1000) * (1 + (k % 2)), currency: 'CNY', giftAction: '投喂', message: '' }, (gold / 1000) * (1 + (k % 2)))
        if (k % 4 === 1) add({ ...base(b, i, t + 5000), type: 'superchat', id: `dash-bs-${i}`, message: '主播今天状态超好！', price: 30, priceNormalized: 30, currency: 'CNY' }, 30)
        const d = DASHBOARD_ROOMS.douyin
        add({ ...base(d, i, t + 9000), type: 'gift', id: `dy:dash-dg-${i}`, giftName: ['小心心', '粉丝团灯牌', '玫瑰'][k % 3], giftAmount: 1 + (k % 5), coinType: 'gold', price: 10 * (1 + (k % 5)), priceNormalized: 1 + (k % 5), currency: 'CNY', message: '' }, 1 + (k % 5))
        const tt = DASHBOARD_ROOMS.tiktok
        const usd = 0.0665 * (1 + (k % 3))
        const money = k % 2 === 0 ? DEFAULT_PRICING.fields(usd, 'USD') : { priceNormalized: usd, currency: 'USD' }
        add({ ...base(tt, i, t + 21_000), type: 'gift', id: `tt:dash-tg-${i}`, giftName: 'Rose', giftAmount: 5 * (1 + (k % 3)), coinType: 'gold', price: 5 * (1 + (k % 3)), ...money, message: '' }, usd)
        add({ ...base(b, i, t + 30_000), type: 'message', id: `dash-bm-${i}`, message: CHAT[i % CHAT.length] })
      }
    }
  }
  // A busy last few minutes, for events/min.
  for (let k = 0; k < 24; k++) {
    const b = DASHBOARD_ROOMS.bilibili
    add({ ...base(b, 5000 + k, now - 240_000 + k * 10_000), type: 'message', id: `dash-recent-${k}`, message: CHAT[k % CHAT.length] })
  }
  return { events, totals }
}
