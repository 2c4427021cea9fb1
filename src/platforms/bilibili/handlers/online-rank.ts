import { fromBinary } from '@bufbuild/protobuf'
import type { OnlineRankUpdate } from '@laplace.live/event-types'
import { hashedEventId } from '../../../events'
import { OnlineRankV3Schema } from '../../../gen/bilibili/online_rank_v3_pb'
import { arr, need, num, obj, str } from '../fields'
import type { CmdHandler, HandlerContext } from '../handler'
import { pbBytes, u64 } from './pb-payload'

type Entry = OnlineRankUpdate['list'][number]

/** ONLINE_RANK_V2 (JSON `data.list` or `data.online_list`): the high-energy leaderboard. */
export const handleOnlineRankV2: CmdHandler = (msg, ctx) => {
  const d = obj(msg.data)
  const raw = Array.isArray(d.online_list) ? d.online_list : d.list
  need(Array.isArray(raw), 'data.list')
  const list: Entry[] = arr(raw).map((item) => {
    const o = obj(item)
    return { uid: num(o.uid), face: str(o.face), score: str(o.score), uname: str(o.uname), rank: num(o.rank), guard_level: num(o.guard_level) }
  })
  return rankEvent(ctx, str(d.rank_type), list)
}

/** ONLINE_RANK_V3 (protobuf, replaces V2 from 2025-07). */
export const handleOnlineRankV3: CmdHandler = (msg, ctx) => {
  const r = fromBinary(OnlineRankV3Schema, pbBytes(msg))
  const list: Entry[] = r.onlineList.map((e) => ({ uid: u64(e.uid), face: e.face, score: e.score, uname: e.uname, rank: e.rank }))
  return rankEvent(ctx, r.rankType, list)
}

function rankEvent(ctx: HandlerContext, rankType: string, list: Entry[]): OnlineRankUpdate {
  const now = ctx.now()
  return {
    type: 'online-rank-update',
    origin: ctx.roomId,
    originIdx: 0,
    read: false,
    // The snapshot itself is the identity: the same board seen twice is one event.
    id: hashedEventId('bilibili', 'rank', ctx.roomId, rankType, list.map((e) => `${e.rank}:${e.uid}:${e.score}`).join(',')),
    uid: 0,
    username: '',
    timestamp: now,
    timestampNormalized: now,
    message: rankType,
    list,
  } satisfies OnlineRankUpdate
}
