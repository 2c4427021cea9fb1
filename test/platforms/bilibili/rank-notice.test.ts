import { describe, expect, test } from 'bun:test'
import { create, toBinary } from '@bufbuild/protobuf'
import type { OnlineRankUpdate } from '@laplace.live/event-types'
import { OnlineRankV3Schema } from '../../../src/gen/bilibili/online_rank_v3_pb'
import { readFixtureJson } from '../../fixtures'
import { makeNormalizer } from './normalize-helpers'

const run = (msg: object) => makeNormalizer().normalizer.fromCommand(msg as Record<string, unknown>)

describe('leaderboard, notices, room meta', () => {
  test('ONLINE_RANK_V2 (masked fixture): seven entries with their scores', () => {
    const [e] = run(readFixtureJson('bilibili', 'blive-message-listener', 'ONLINE_RANK_V2', 'normal.json')) as OnlineRankUpdate[]
    expect(e!.type).toBe('online-rank-update')
    expect(e!.list).toHaveLength(7)
    expect(e!.list[0]).toMatchObject({ uid: 77777777771, score: '2020', rank: 1, guard_level: 3 })
    expect(e!.message).toBe('gold-rank')
  })

  test('ONLINE_RANK_V2 (2020 capture) and its COUNT / TOP3 companions', () => {
    const { normalizer, counters } = makeNormalizer()
    const out = readFixtureJson<object[]>('bilibili', 'qydysky-bili_danmu', 'ONLINE_RANK_V2.json').flatMap((m) => normalizer.fromCommand(m as Record<string, unknown>))
    expect(out.map((e) => e.type)).toEqual(['online-rank-update', 'online-update'])
    expect((out[0] as OnlineRankUpdate).list.map((x) => x.uname)).toEqual(['菌丝奶液', '阿虫虫虫虫', '有妹才有汁', 'ロリコン板载', '海鲜王琴键'])
    expect(counters.ignored).toBe(2) // the two ONLINE_RANK_TOP3 banners
  })

  test('ONLINE_RANK_V3 protobuf', () => {
    const pb = toBinary(OnlineRankV3Schema, create(OnlineRankV3Schema, {
      rankType: 'online_rank',
      onlineList: [
        { uid: 3112215n, face: 'https://i0.hdslb.com/bfs/face/a.jpg', score: '901', uname: '虚境幻蛇', rank: 1 },
        { uid: 483893724n, face: 'https://i0.hdslb.com/bfs/face/b.jpg', score: '639', uname: '洛惜顾', rank: 2 },
      ],
    }))
    const [e] = run({ cmd: 'ONLINE_RANK_V3', data: { pb: Buffer.from(pb).toString('base64') } }) as OnlineRankUpdate[]
    expect(e!.list).toEqual([
      { uid: 3112215, face: 'https://i0.hdslb.com/bfs/face/a.jpg', score: '901', uname: '虚境幻蛇', rank: 1 },
      { uid: 483893724, face: 'https://i0.hdslb.com/bfs/face/b.jpg', score: '639', uname: '洛惜顾', rank: 2 },
    ])
  })

  test('COMMON_NOTICE_DANMAKU, EFFECT_DANMAKU_MSG, ROOM_REAL_TIME_MESSAGE_UPDATE', () => {
    const [n] = run({ cmd: 'COMMON_NOTICE_DANMAKU', data: { terminals: [1, 2, 3, 4, 5], content_segments: [{ type: 1, font_color: '#FF7373', text: 'スパラノイア' }, { type: 1, font_color: '#99A5AE', text: '投喂' }, { type: 1, font_color: '#FF7373', text: '干杯之旅' }] } })
    expect(n).toMatchObject({ type: 'notice', message: 'スパラノイア投喂干杯之旅', terminals: [1, 2, 3, 4, 5] })
    const [fx] = run({
      cmd: 'EFFECT_DANMAKU_MSG', msg_id: '25968668409605632:1000:1000', send_time: 1738085184187,
      data: { goods_info: { action: '投喂', img: 'https://s1/x.png', name: '万福贺岁', num: 'x1', prefix: '并且留言：', text: 'test content' }, sender_uinfo: { uid: 99, base: { name: 'sender', face: 'https://f/s.jpg' }, wealth: { level: 12 } } },
    })
    expect(fx).toMatchObject({ type: 'effect-message', id: 'effect:25968668409605632:1000:1000', uid: 99, username: 'sender', message: 'test content', wealthMedalLevel: 12, timestampNormalized: 1738085184187 })
    const [meta] = run({ cmd: 'ROOM_REAL_TIME_MESSAGE_UPDATE', data: { roomid: 1, fans: 123456, red_notice: -1, fans_club: 789 } })
    expect(meta).toMatchObject({ type: 'room-meta-update', fans: 123456, fansclub: 789 })
  })
})
