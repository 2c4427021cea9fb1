import type { LefEvent } from '../../src/events'

/** A realistic Bilibili gift (gold coins) as LAPLACE Chat would upload it. */
export function giftEvent(n: number, overrides: Record<string, unknown> = {}): LefEvent {
  return {
    type: 'gift', id: `gift-${n}`, origin: 25034104, originIdx: 0, uid: 1000 + n, username: `user${n}`, avatar: '',
    message: '', price: 1000 * (n % 5 + 1), priceNormalized: (n % 5) + 1, duration: 0, coinType: 'gold', guardType: 0,
    giftType: 0, giftAction: '投喂', giftAmount: 1, giftId: 31036, giftName: '小花花', giftRemain: 0, giftIcon: '',
    bizSource: 'Live', receiver: { uid: 2132180406, uname: '明前奶绿', master: null }, blindGift: null,
    timestamp: 1_790_000_000_000 + n, timestampNormalized: 1_790_000_000_000 + n, medal: null, wealthMedalLevel: 0, read: false,
    platform: 'bilibili', room: '25034104',
    ...overrides,
  } as unknown as LefEvent
}

/** A chat message (not paid). */
export function messageEvent(n: number, overrides: Record<string, unknown> = {}): LefEvent {
  return {
    type: 'message', id: `msg-${n}`, origin: 25034104, originIdx: 0, uid: 2000 + n, username: `viewer${n}`, avatar: '',
    nameColor: '', message: `hello ${n}`, userType: 0, userLvl: 0, userLvlBorder: 0, currentRank: 0, phoneVerified: 1,
    guardType: 0, sendType: 0, medal: null, reply: {}, idStr: `id-${n}`, wealthMedalLevel: 0,
    timestamp: 1_790_000_000_000 + n, timestampNormalized: 1_790_000_000_000 + n, read: false,
    platform: 'bilibili', room: '25034104',
    ...overrides,
  } as unknown as LefEvent
}
