import { describe, expect, test } from 'bun:test'
import { isPaid, Pricing, type LefEvent } from '../../../src/events'
import { makeNormalizer, NOW, ROOM_ID } from './normalize-helpers'

// Cmds without captured fixtures: messages built from the field lists in docs/protocols/bilibili.md
// §4 and the shapes @laplace.live/internal documents.
const run = (msg: object) => makeNormalizer().normalizer.fromCommand(msg as Record<string, unknown>)
function only(msg: object): LefEvent {
  const out = run(msg)
  expect(out).toHaveLength(1)
  return out[0]!
}

describe('room and moderation cmds', () => {
  test('WARNING / CUT_OFF', () => {
    expect(only({ cmd: 'WARNING', msg: '图片内容不适宜，请立即调整', roomid: ROOM_ID })).toMatchObject({ type: 'live-warning', message: '图片内容不适宜，请立即调整', uid: ROOM_ID, timestampNormalized: NOW })
    expect(only({ cmd: 'CUT_OFF', msg: '违反直播言论规范', roomid: ROOM_ID })).toMatchObject({ type: 'live-cutoff', message: '违反直播言论规范' })
  })

  test('ROOM_CHANGE', () => {
    const e = only({ cmd: 'ROOM_CHANGE', data: { title: '新标题', area_id: 371, parent_area_id: 9, area_name: '虚拟日常', parent_area_name: '虚拟主播', live_key: '0', sub_session_key: '' } })
    expect(e).toMatchObject({ type: 'room-name-update', message: '新标题', area: '虚拟日常', parentArea: '虚拟主播' })
  })

  test('ROOM_SILENT_ON / OFF', () => {
    expect(only({ cmd: 'ROOM_SILENT_ON', data: { type: 'wealth', level: 1, second: -1, msg: '[系统]: 主播对荣耀等级1级以下的用户开启了禁言' } })).toMatchObject({ type: 'room-mute-on', muteBy: 'wealth', muteLevel: 1, muteLength: -1 })
    expect(only({ cmd: 'ROOM_SILENT_OFF', data: { type: '', level: 0, second: 0, msg: '[系统]: 主播取消了房间禁言' } })).toMatchObject({ type: 'room-mute-off', message: '[系统]: 主播取消了房间禁言' })
  })

  test('ROOM_BLOCK_MSG, RECALL_DANMU_MSG', () => {
    expect(only({ cmd: 'ROOM_BLOCK_MSG', data: { dmscore: 30, operator: 1, uid: 12345, uname: 'troll', block_expired: 1721921788, vaild_period: '2小时有效' }, uid: '12345', uname: 'troll' }))
      .toMatchObject({ type: 'user-block', uid: 12345, username: 'troll', operator: 1, blockExpired: 1721921788000, vaildPeriod: '2小时有效' })
    expect(only({ cmd: 'RECALL_DANMU_MSG', data: { recall_type: 2, target_id: 999 } })).toMatchObject({ type: 'message-recall', uid: 999, recallType: 2 })
  })

  test('ROOM_ADMINS, room_admin_entrance, ROOM_ADMIN_REVOKE', () => {
    expect(only({ cmd: 'ROOM_ADMINS', uids: [1, 2, 3] })).toMatchObject({ type: 'mod-list', mods: [1, 2, 3] })
    expect(only({ cmd: 'room_admin_entrance', dmscore: 1, level: 1, msg: '系统提示：你已被主播设为房管', uid: 42 })).toMatchObject({ type: 'mod-assign', mod: 42 })
    expect(only({ cmd: 'ROOM_ADMIN_REVOKE', msg: '撤销房管', uid: 42 })).toMatchObject({ type: 'mod-revoke', mod: 42, message: '撤销房管' })
  })

  test('ENTRY_EFFECT', () => {
    const e = only({
      cmd: 'ENTRY_EFFECT',
      data: {
        id: 4, uid: 77, face: 'https://f/x.jpg', privilege_type: 3, copy_writing: '<%某人%> 来了', copy_writing_v2: '欢迎舰长 <%某人%> 进入直播间',
        copy_color: '#F7F7F7', highlight_color: '#FFF100', effective_time: 2, web_basemap_url: 'https://b/x.png', web_dynamic_url_webp: '',
        business: 1, show_avatar: 1, wealthy_info: { level: 21 }, trigger_time: 1680586909839989500,
        uinfo: { uid: 77, base: { name: '某人' }, medal: { name: '牌子', level: 20, ruid: 88, guard_level: 3, is_light: 1 } },
      },
    })
    expect(e).toMatchObject({ type: 'entry-effect', uid: 77, username: '某人', guardType: 3, wealthMedalLevel: 21, showWealthMedal: true, message: '欢迎舰长 <%某人%> 进入直播间' })
    expect((e as { medal: { level: number; uid?: number } }).medal).toMatchObject({ level: 20, uid: 88, guardType: 3 })
    expect(e.timestampNormalized).toBe(1680586909839)
  })
})

describe('paid extras', () => {
  test('POPULARITY_RED_POCKET_V2_START: gift envelope, sender paid total_price / 0.8', () => {
    const e = only({
      cmd: 'POPULARITY_RED_POCKET_V2_START',
      data: {
        lot_id: 1234567, sender_uid: 55, sender_name: 'boss', sender_face: 'https://f/y.jpg', danmu: '老板大气！点点红包抽礼物',
        current_time: 1700000000, start_time: 1700000000, last_time: 180, total_price: 1600, rp_type: 1, icon_url: '',
        awards: [{ gift_id: 31212, gift_name: '打call', gift_pic: 'https://g/1.png', num: 2 }],
      },
    })
    expect(e).toMatchObject({ type: 'red-envelope-start', id: 'red-envelope:1234567', price: 2000, priceNormalized: 2, priceForUsers: 1600, priceForStreamer: 400, duration: 180 })
    expect(isPaid(e)).toBe(true)
  })

  test('POPULARITY_RED_POCKET_WINNER_LIST: not money again', () => {
    const e = only({ cmd: 'POPULARITY_RED_POCKET_WINNER_LIST', data: { lot_id: 1234567, total_num: 1, winner_info: [[1, 'a', 0, 31212]], awards: { 31212: { award_type: 1, award_name: '打call', award_pic: '', award_big_pic: '', award_price: 500 } } } })
    expect(e).toMatchObject({ type: 'red-envelope-result', id: 'red-envelope-result:1234567', priceNormalized: 0 })
  })

  test('ANCHOR_LOT_START / AWARD', () => {
    expect(only({ cmd: 'ANCHOR_LOT_START', data: { id: 9001, award_name: '手办', award_num: 1, danmu: '我要手办', require_text: '当前主播粉丝勋章至少1级', gift_id: 31036, gift_name: '小花花', gift_num: 1, gift_price: 100, max_time: 600, current_time: 1700000000 } }))
      .toMatchObject({ type: 'lottery-start', id: 'lottery:9001', messageToJoin: '我要手办', giftPriceNormalized: 0.1, duration: 600, timestampNormalized: 1700000000000 })
    expect(only({ cmd: 'ANCHOR_LOT_AWARD', data: { id: 9001, award_name: '手办', award_num: 1, award_image: '', award_users: [{ uid: 7, uname: 'lucky', face: '', level: 3, color: 0 }] } }))
      .toMatchObject({ type: 'lottery-result', id: 'lottery-result:9001', list: [{ uid: 7, uname: 'lucky' }] })
  })

  test('USER_VIRTUAL_MVP: paid, goods_price in gold', () => {
    const e = only({ cmd: 'USER_VIRTUAL_MVP', data: { action: '解锁', goods_name: '守护圣法师x7天', goods_num: 1, goods_price: 1000000, order_id: 777, uid: 5, uname: 'mvp', timestamp: 1600000000, user_guard_level: 0 } })
    expect(e).toMatchObject({ type: 'mvp', id: 'mvp:777', priceNormalized: 1000, currency: 'CNY', priceOriginal: 1000, currencyOriginal: 'CNY', message: '守护圣法师x7天' })
    expect(isPaid(e)).toBe(true)
  })

  test('PRICE_CURRENCY=USD: paid Bilibili events are priced in USD, the CNY amount kept as priceOriginal', () => {
    const { normalizer } = makeNormalizer({ pricing: new Pricing('USD', 8) })
    const [mvp] = normalizer.fromCommand({ cmd: 'USER_VIRTUAL_MVP', data: { action: '解锁', goods_name: 'x', goods_num: 1, goods_price: 1000000, order_id: 778, uid: 5, uname: 'mvp', timestamp: 1600000000, user_guard_level: 0 } })
    expect(mvp).toMatchObject({ priceNormalized: 125, currency: 'USD', priceOriginal: 1000, currencyOriginal: 'CNY' })
    const [sc] = normalizer.fromCommand({ cmd: 'SUPER_CHAT_MESSAGE', data: { id: 9, uid: 5, price: 30, message: 'hi', start_time: 1600000000, user_info: { uname: 'sc' } } })
    expect(sc).toMatchObject({ type: 'superchat', price: 30, priceNormalized: 3.75, currency: 'USD', priceOriginal: 30, currencyOriginal: 'CNY' })
  })
})
