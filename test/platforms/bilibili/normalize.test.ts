import { describe, expect, test } from 'bun:test'
import type { Gift, Interaction, Message, SuperChat, SuperChatDelete, Toast } from '@laplace.live/event-types'
import { readdirSync } from 'node:fs'
import { isPaid, type LefEvent } from '../../../src/events'
import { decodeMessage } from '../../../src/platforms/bilibili/packet'
import { fixturePath, readFixture, readFixtureJson } from '../../fixtures'
import { makeNormalizer, ROOM_ID } from './normalize-helpers'

type Json = Record<string, unknown>
const bml = (cmd: string, file: string) => readFixtureJson<Json>('bilibili', 'blive-message-listener', cmd, file)
const qy = <T = Json>(file: string) => readFixtureJson<T>('bilibili', 'qydysky-bili_danmu', file)

function one<T extends LefEvent['type']>(msg: Json, type: T): Extract<LefEvent, { type: T }> {
  const { normalizer } = makeNormalizer()
  const out = normalizer.fromCommand(msg)
  expect(out).toHaveLength(1)
  expect(out[0]!.type).toBe(type)
  expect(out[0]!.platform).toBe('bilibili')
  expect(out[0]!.room).toBe(String(ROOM_ID))
  expect(out[0]!.origin).toBe(ROOM_ID)
  return out[0] as Extract<LefEvent, { type: T }>
}

describe('DANMU_MSG', () => {
  test('2026 zlib and brotli frames: id from id_str, 16-digit uid, avatar from uinfo', () => {
    const { normalizer } = makeNormalizer()
    const ev = (file: string) => {
      const [p] = decodeMessage(readFixture('bilibili', 'laplace-live-ws', file))
      return normalizer.fromBody(p!.body)[0] as Message & LefEvent
    }
    const v2 = ev('danmu_msg_protover2_zlib.bin')
    expect(v2.id).toBe('382fd7c125e5328c2ad5a4a40a69b3bd9849')
    expect(v2.idStr).toBe('382fd7c125e5328c2ad5a4a40a69b3bd9849')
    expect(v2.message).toBe('test v2')
    expect(v2.uid).toBe(3493079520643315)
    expect(v2.username).toBe('坚果_本人账号')
    expect(v2.avatar).toBe('https://i1.hdslb.com/bfs/face/c5a46d3e2750ab13075a72a308722856e79f3faa.jpg')
    expect(v2.medal).toMatchObject({ level: 3, name: '菠萝包', room: 468033, uid: 529813, lightened: 0 })
    expect(v2.timestampNormalized).toBe(1773387065998)
    expect(v2.userLvl).toBe(22)
    expect(v2.sign).toBe('4371623')
    const v3 = ev('danmu_msg_protover3_brotli.bin')
    expect(v3.type).toBe('message')
    expect(v3.message).toBe('test v3')
    expect(v3.uid).toBe(v2.uid)
    expect(v3.idStr.length).toBeGreaterThan(10)
    expect(v3.id).toBe(v3.idStr)
    expect(v3.id).not.toBe(v2.id)
  })

  test('older captures without id_str get a deterministic fallback id', () => {
    const list = qy<Json[]>('DANMU_MSG.json')
    const first = one(list[0]!, 'message')
    expect(first.message).toBe('鬼也是玩家吗')
    expect(first.uid).toBe(332143945)
    expect(first.username).toBe('爱吃甜食的叱干巧曼')
    expect(first.idStr).toBe('')
    expect(first.id).toMatch(/^dm:[0-9a-f]{20}$/)
    expect(first.medal).toMatchObject({ level: 7, name: '猫良', room: 3839755 })
    // same message again (fresh normaliser) → same id; next message → different id
    expect(one(list[0]!, 'message').id).toBe(first.id)
    const ids = new Set(list.map((m) => one(m, 'message').id))
    expect(ids.size).toBe(list.length)
  })

  test('room admin, guard level and name colour (qydysky #2)', () => {
    const e = one(qy<Json[]>('DANMU_MSG.json')[1]!, 'message')
    expect(e.userType).toBe(1)
    expect(e.guardType).toBe(3)
    expect(e.nameColor).toBe('#00D1F1')
    expect(e.message).toBe('谢谢VVVVVega_赠送的3个吃瓜~')
  })

  test('anchor danmaku get userType 100', () => {
    const { normalizer } = makeNormalizer({ anchorUid: 332143945 })
    const [e] = normalizer.fromCommand(qy<Json[]>('DANMU_MSG.json')[0]!) as Message[]
    expect(e!.userType).toBe(100)
  })

  test('cmd suffix DANMU_MSG:4:0:2:2:2:0 is a message', () => {
    const e = one(bml('DANMU_MSG-4-0-2-2-2-0', 'normal_no_badge.json'), 'message')
    expect(e.message).toBe('__MOCK_MESSAGE_CONTENT__')
    expect(e.uid).toBe(77777777771)
    expect(e.medal.level).toBe(0)
  })

  test('emoticon danmaku carries the emote, inline emoji carry bmotes', () => {
    const emo = one(bml('DANMU_MSG', 'emoticon_normal.json'), 'message')
    expect(emo.message).toBe('赞')
    expect(emo.emote?.emoticon_unique).toBe('official_147')
    expect(emo.emote?.width).toBe(150)
    const inline = one(bml('DANMU_MSG', 'inmessage_emoji.json'), 'message')
    expect(inline.emote).toBeUndefined()
    expect(inline.bmotes?.['[花]']?.url).toBe('http://i0.hdslb.com/bfs/live/7dd2ef03e13998575e4d8a803c6e12909f94e72b.png')
    expect(inline.bmotes?.['[妙]']?.width).toBe(20)
  })

  test('lottery danmaku: sendType 2', () => {
    expect(one(bml('DANMU_MSG', 'lottery.json'), 'message').sendType).toBe(2)
  })

  test('guard danmaku: medal guard level and lit', () => {
    const e = one(bml('DANMU_MSG', 'guard_jianzhang.json'), 'message')
    expect(e.guardType).toBe(3)
    expect(e.medal).toMatchObject({ level: 21, guardType: 3, lightened: 1, uid: 77777777772, room: 77777777773 })
  })
})

describe('SEND_GIFT', () => {
  test('gold gift: price in gold, priceNormalized CNY, id from tid, paid', () => {
    const raw = bml('SEND_GIFT', '小花花_not_same_badge.json')
    const e = one(raw, 'gift') as Gift & LefEvent
    expect(e.giftName).toBe('小花花')
    expect(e.coinType).toBe('gold')
    expect(e.price).toBe(100)
    expect(e.priceNormalized).toBe(0.1)
    expect(e.id).toBe(`gift:${(raw.data as Json).tid}`)
    expect(isPaid(e)).toBe(true)
  })

  test('silver 辣条 is free: priceNormalized 0, not paid', () => {
    const e = one(bml('SEND_GIFT', '辣条_no_badge.json'), 'gift')
    expect(e.giftName).toBe('辣条')
    expect(e.coinType).toBe('silver')
    expect(e.priceNormalized).toBe(0)
    expect(e.id).toBe('gift:1664028708120000001')
    expect(isPaid(e)).toBe(false)
  })

  test('silver 小心心 (price 0) from 2020', () => {
    const e = one(qy('SEND_GIFT.json'), 'gift')
    expect(e.giftName).toBe('小心心')
    expect(e.priceNormalized).toBe(0)
    expect(e.username).toBe('qydysky丶')
    expect(e.id).toBe('gift:1600112186112100001')
  })

  test('multi-anchor gift keeps send_master as the receiver master', () => {
    const e = one(bml('SEND_GIFT', 'Super_target_user.json'), 'gift')
    expect(e.giftName).toBe('Super')
    expect(e.priceNormalized).toBe(5)
    expect(e.receiver.master).toEqual({ uid: 77777777775, uname: '__MOCK_MASTER_UNAME__', room_id: 77777777774 })
  })

  test('幸运之钥 and 粉丝团灯牌: ¥1 each', () => {
    expect(one(bml('SEND_GIFT', '幸运之钥.json'), 'gift').priceNormalized).toBe(1)
    expect(one(bml('SEND_GIFT', '粉丝团灯牌.json'), 'gift').priceNormalized).toBe(1)
  })

  test('blind box: paid is total_coin (box price), not the revealed gift value', () => {
    const { normalizer } = makeNormalizer()
    const msg = {
      cmd: 'SEND_GIFT',
      data: {
        uid: 42, giftId: 32251, giftName: '冲鸭', num: 2, price: 9900, total_coin: 10000, coin_type: 'gold', tid: 'T1', timestamp: 1,
        blind_gift: { original_gift_name: '心动盲盒', original_gift_price: 5000, gift_tip_price: 9900 },
      },
    }
    const [e] = normalizer.fromCommand(msg) as Gift[]
    expect(e!.price).toBe(10000)
    expect(e!.priceNormalized).toBe(10)
    expect(e!.blindGift?.original_gift_name).toBe('心动盲盒')
  })

  test('COMBO_SEND is a summary: no second gift', () => {
    const { normalizer, counters } = makeNormalizer()
    expect(normalizer.fromCommand(bml('COMBO_SEND', 'normal.json'))).toEqual([])
    expect(counters.ignored).toBe(1)
  })
})

describe('super chats', () => {
  test('SUPER_CHAT_MESSAGE: price CNY, id from data.id', () => {
    const e = one(bml('SUPER_CHAT_MESSAGE', 'normal.json'), 'superchat') as SuperChat
    expect(e.price).toBe(30)
    expect(e.priceNormalized).toBe(30)
    expect(e.scId).toBe(4898587)
    expect(e.id).toBe('sc:4898587')
    expect(e.duration).toBe(60)
    expect(e.medal.level).toBe(16)
  })

  test('SUPER_CHAT_MESSAGE_JPN: string ids, Japanese translation', () => {
    const e = one(qy('SUPER_CHAT_MESSAGE_JPN.json'), 'superchat') as SuperChat
    expect(e.uid).toBe(17572451)
    expect(e.scId).toBe(771519)
    expect(e.messageTrans).toBe('理解できます。お嬢さんは私が好きなのは人妻だと知っています。')
    expect(e.guardType).toBe(2)
    expect(e.id).toBe('sc:771519')
  })

  test('SC and its _JPN twin are one event', () => {
    const { normalizer, counters } = makeNormalizer()
    const sc = bml('SUPER_CHAT_MESSAGE', 'normal.json')
    const jpn = { ...sc, cmd: 'SUPER_CHAT_MESSAGE_JPN', data: { ...(sc.data as Json), id: '4898587', message_jpn: 'x' } }
    expect(normalizer.fromCommand(sc)).toHaveLength(1)
    expect(normalizer.fromCommand(jpn)).toHaveLength(0)
    expect(counters.duplicates).toBe(1)
  })

  test('SUPER_CHAT_MESSAGE_DELETE → superchat-delete with the ids', () => {
    expect((one(bml('SUPER_CHAT_MESSAGE_DELETE', 'normal.json'), 'superchat-delete') as SuperChatDelete).scIds).toEqual([4898587])
    expect((one(qy('SUPER_CHAT_MESSAGE_DELETE.json'), 'superchat-delete') as SuperChatDelete).scIds).toEqual([771517])
  })
})

describe('guard purchases count once, at the paid price', () => {
  test('new 舰长: toast 198000 → ¥198', () => {
    const e = one(bml('USER_TOAST_MSG', 'guard_jianzhang_new.json'), 'toast') as Toast
    expect(e.price).toBe(198000)
    expect(e.priceNormalized).toBe(198)
    expect(e.toastName).toBe('舰长')
    expect(e.toastType).toBe(3)
    expect(e.id).toBe('toast:2301242158351662179727302')
  })

  test('auto-renewal: toast 138000 → ¥138 (GUARD_BUY would say 198000)', () => {
    expect((one(bml('USER_TOAST_MSG', 'guard_jianzhang_renew.json'), 'toast') as Toast).priceNormalized).toBe(138)
  })

  test('qydysky toasts: 舰长 198, 提督 1598, auto 舰长 138', () => {
    const { normalizer } = makeNormalizer()
    const out = qy<Json[]>('USER_TOAST_MSG.json').flatMap((m) => normalizer.fromCommand(m)) as Toast[]
    expect(out.map((t) => t.priceNormalized)).toEqual([198, 1598, 138])
    expect(out.map((t) => t.toastName)).toEqual(['舰长', '提督', '舰长'])
  })

  test('GUARD_BUY produces no second paid toast', () => {
    const { normalizer, counters } = makeNormalizer()
    expect(normalizer.fromCommand(bml('GUARD_BUY', 'normal.json'))).toEqual([])
    expect(normalizer.fromCommand(qy('GUARD_BUY.json'))).toEqual([])
    expect(counters.ignored).toBe(2)
  })

  test('USER_TOAST_MSG_V2 of the same purchase has the same id; gifted days (source 2) are no toast', () => {
    const { normalizer } = makeNormalizer()
    const v1 = bml('USER_TOAST_MSG', 'guard_jianzhang_new.json')
    const v2 = {
      cmd: 'USER_TOAST_MSG_V2',
      data: {
        sender_uinfo: { uid: 77777777771, base: { name: '__MOCK_UNAME__' } },
        guard_info: { guard_level: 3, role_name: '舰长', room_guard_count: 2072, start_time: 1674568760 },
        pay_info: { payflow_id: '2301242158351662179727302', price: 198000, num: 1, unit: '月' },
        gift_info: { gift_id: 10003 },
        option: { source: 0, color: '#00D1F1' },
      },
    }
    expect(normalizer.fromCommand(v1)).toHaveLength(1)
    expect(normalizer.fromCommand(v2)).toHaveLength(0)
    const { normalizer: fresh } = makeNormalizer()
    const [alone] = fresh.fromCommand(v2) as Toast[]
    expect(alone!.id).toBe('toast:2301242158351662179727302')
    expect(alone!.priceNormalized).toBe(198)
    const gifted = { ...v2, data: { ...v2.data, option: { source: 2 }, pay_info: { payflow_id: 'P2', price: 0, num: 1 } } }
    expect(fresh.fromCommand(gifted)).toEqual([])
  })
})

describe('interactions and status', () => {
  test('INTERACT_WORD enter / follow / share', () => {
    expect(one(bml('INTERACT_WORD', 'enter.json'), 'interaction').action).toBe(1)
    const follow = one(bml('INTERACT_WORD', 'follow.json'), 'interaction') as Interaction
    expect(follow.action).toBe(2)
    expect(follow.medal.level).toBe(0)
    const share = one(bml('INTERACT_WORD', 'share.json'), 'interaction') as Interaction
    expect(share.action).toBe(3)
    expect(share.medal).toMatchObject({ level: 1, name: '__MOCK_BADGE_NAME__', room: 77777777773 })
    expect(share.timestampNormalized).toBe(1665498658950)
  })

  test('INTERACT_WORD_V2 real protobuf payload (qydysky)', () => {
    const pb = readFixture('bilibili', 'qydysky-bili_danmu', 'interact_word_v2_pb.b64').toString('utf8').trim()
    const e = one({ cmd: 'INTERACT_WORD_V2', data: { dmscore: 1, pb } }, 'interaction') as Interaction
    expect(e.uid).toBe(689754432)
    expect(e.username).toBe('别死在火星上')
    expect(e.action).toBe(1)
    expect(e.medal).toMatchObject({ level: 22, name: '帅Pi', uid: 13046, room: 92613, lightened: 1 })
    expect(e.avatar).toBe('https://i0.hdslb.com/bfs/face/d838f6da5dd1857aae7793a203ff57ea90b3e0e0.webp')
    expect(e.wealthMedalLevel).toBe(26)
    expect(e.timestampNormalized).toBe(1751378114022)
  })

  test('LIKE_INFO_V3_CLICK / _UPDATE', () => {
    const click = one(bml('LIKE_INFO_V3_CLICK', 'normal.json'), 'like-click')
    expect(click.message).toBe('为主播点赞了')
    expect(click.medal.level).toBe(5)
    expect(one(bml('LIKE_INFO_V3_UPDATE', 'normal.json'), 'likes-update').likes).toBe(11391)
  })

  test("LIKE_INFO_V3_CLICK: a viewer's further likes in the same minute are one event, counted as duplicates; the next minute is a new event", () => {
    let now = 1_764_000_000_000 // 20:00:00.000 UTC, the start of a minute
    const { normalizer, counters } = makeNormalizer({ now: () => now })
    const like = bml('LIKE_INFO_V3_CLICK', 'normal.json')
    const other = structuredClone(like) as { data: { uid: number } }
    other.data.uid += 1
    const first = normalizer.fromCommand(like)
    expect(first.map((e) => e.type)).toEqual(['like-click'])
    // Thousands of other events in between: more than the id window of the duplicate filter.
    const update = bml('LIKE_INFO_V3_UPDATE', 'normal.json') as { data: { click_count: number } }
    for (let i = 0; i < 5000; i++) {
      update.data.click_count = 20_000 + i
      expect(normalizer.fromCommand(update)).toHaveLength(1)
    }
    now += 59_000
    expect(normalizer.fromCommand(structuredClone(like))).toEqual([])
    expect(normalizer.fromCommand(other).map((e) => e.type)).toEqual(['like-click'])
    const duplicatesBefore = counters.duplicates
    now += 1_000 // the next minute
    const next = normalizer.fromCommand(structuredClone(like))
    expect(next).toHaveLength(1)
    expect(next[0]!.id).not.toBe(first[0]!.id)
    expect(counters.duplicates).toBe(duplicatesBefore)
    // A clock that steps back into the earlier minute is not deduplicated by minute.
    now -= 30_000
    expect(normalizer.fromCommand(structuredClone(other))).toEqual([])
  })

  test('WATCHED_CHANGE and ONLINE_RANK_COUNT', () => {
    const w = one(bml('WATCHED_CHANGE', '24m.json'), 'watched-update')
    expect(w.watched).toBe(23970210)
    expect(w.message).toBe('2397.0万人看过')
    expect(one(bml('WATCHED_CHANGE', '1k.json'), 'watched-update').watched).toBe(1127)
    expect(one(bml('ONLINE_RANK_COUNT', 'normal.json'), 'online-update').count).toBe(1822)
  })

  test('LIVE (initial, then push) and PREPARING update live state', () => {
    const { normalizer, live } = makeNormalizer()
    const [start] = normalizer.fromCommand(bml('LIVE', 'start_live.json'))
    const [push] = normalizer.fromCommand(bml('LIVE', 'push_stream.json'))
    const [end] = normalizer.fromCommand(bml('PREPARING', 'normal.json'))
    expect(start).toMatchObject({ type: 'live-start', initial: true, timestampNormalized: 1664550373000 })
    expect(push).toMatchObject({ type: 'live-start', initial: false })
    expect(push!.id).not.toBe(start!.id)
    expect(end!.type).toBe('live-end')
    expect(live).toEqual([true, true, false])
  })
})

describe('robustness', () => {
  test('unknown cmds are counted, not errors', () => {
    const { normalizer, counters } = makeNormalizer()
    expect(normalizer.fromCommand({ cmd: 'SOMETHING_NEW', data: {} })).toEqual([])
    expect(normalizer.fromCommand({ cmd: 'SOMETHING_NEW', data: {} })).toEqual([])
    expect(counters.unknownCmds.get('SOMETHING_NEW')).toBe(2)
  })

  test('a handler throwing on odd data is caught and counted; the next message still works', () => {
    const { normalizer, counters } = makeNormalizer()
    expect(normalizer.fromCommand({ cmd: 'INTERACT_WORD_V2', data: { pb: '////' } })).toEqual([])
    expect(normalizer.fromCommand({ cmd: 'SEND_GIFT_V2', data: {} })).toEqual([])
    expect(counters.handlerErrors.get('INTERACT_WORD_V2')).toBe(1)
    expect(counters.handlerErrors.get('SEND_GIFT_V2')).toBe(1)
    expect(normalizer.fromCommand(bml('SEND_GIFT', '辣条_no_badge.json'))).toHaveLength(1)
  })

  test('garbage JSON body is a counted skip', () => {
    const { normalizer, counters } = makeNormalizer()
    expect(normalizer.fromBody(new TextEncoder().encode('{nope'))).toEqual([])
    expect(counters.badFrames).toBe(1)
  })

  test('every masked fixture normalises (or is a known ignore) without handler errors', () => {
    const { normalizer, counters } = makeNormalizer()
    const dir = fixturePath('bilibili', 'blive-message-listener')
    let events = 0
    for (const cmd of readdirSync(dir)) {
      if (cmd === 'LICENSE' || cmd === 'INTERACT_WORD_V2') continue // V2 folder holds decoded objects, not messages
      for (const f of readdirSync(`${dir}/${cmd}`)) events += normalizer.fromCommand(bml(cmd, f)).length
    }
    expect(counters.handlerErrors.size).toBe(0)
    expect(counters.unknownCmds.size).toBe(0)
    expect(events).toBe(counters.events)
    expect(events).toBeGreaterThanOrEqual(25)
  })
})

describe('structurally empty messages are refused, not turned into zero events', () => {
  test('SEND_GIFT / SUPER_CHAT_MESSAGE / USER_TOAST_MSG / DANMU_MSG without their essential fields', () => {
    const { normalizer, counters } = makeNormalizer()
    for (const cmd of ['SEND_GIFT', 'SUPER_CHAT_MESSAGE', 'USER_TOAST_MSG', 'DANMU_MSG']) {
      expect(normalizer.fromCommand({ cmd, data: {} })).toEqual([])
      expect(counters.handlerErrors.get(cmd)).toBe(1)
    }
  })
})

describe('ids are deterministic', () => {
  test('every fixture message gives the same ids on two independent normalisers (same minute, different ms)', () => {
    const dir = fixturePath('bilibili', 'blive-message-listener')
    const msgs: Json[] = []
    for (const cmd of readdirSync(dir)) {
      if (cmd === 'LICENSE' || cmd === 'INTERACT_WORD_V2') continue
      for (const f of readdirSync(`${dir}/${cmd}`)) msgs.push(bml(cmd, f))
    }
    for (const f of ['DANMU_MSG.json', 'USER_TOAST_MSG.json', 'ONLINE_RANK_V2.json']) msgs.push(...qy<Json[]>(f))
    for (const f of ['SEND_GIFT.json', 'GUARD_BUY.json', 'SUPER_CHAT_MESSAGE_JPN.json', 'SUPER_CHAT_MESSAGE_DELETE.json']) msgs.push(qy(f))
    const minute = 1_764_000_000_000 - (1_764_000_000_000 % 60_000)
    const a = makeNormalizer({ now: () => minute + 1_000 }).normalizer
    const b = makeNormalizer({ now: () => minute + 59_000 }).normalizer
    const idsA = msgs.flatMap((m) => a.fromCommand(m).map((e) => e.id))
    const idsB = msgs.flatMap((m) => b.fromCommand(m).map((e) => e.id))
    expect(idsA.length).toBeGreaterThanOrEqual(35)
    expect(idsB).toEqual(idsA)
  })
})

describe('event key order', () => {
  // Stored `data` and bridge payloads are JSON.stringify'd events: the key order is part of what
  // clients see, so it must not move when handlers change how they build events.
  test('every fixture event starts with type, origin, originIdx, read and ends with platform, room', () => {
    const dir = fixturePath('bilibili', 'blive-message-listener')
    const { normalizer } = makeNormalizer()
    const events: LefEvent[] = []
    for (const cmd of readdirSync(dir)) {
      if (cmd === 'LICENSE' || cmd === 'INTERACT_WORD_V2') continue
      for (const f of readdirSync(`${dir}/${cmd}`)) events.push(...normalizer.fromCommand(bml(cmd, f)))
    }
    expect(events.length).toBeGreaterThanOrEqual(25)
    for (const e of events) {
      const keys = Object.keys(e)
      expect(keys.slice(0, 4)).toEqual(['type', 'origin', 'originIdx', 'read'])
      expect(keys.slice(-2)).toEqual(['platform', 'room'])
      expect(e.read).toBe(false)
      expect(e.originIdx).toBe(0)
    }
  })
})
