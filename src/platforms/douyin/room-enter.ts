import { z } from 'zod'
import { type DouyinRoom, RoomStatus } from './room'

/**
 * The room-enter API (`/webcast/room/web/enter/`): web_rid → room id, status, anchor.
 * Only the fields lef reads are validated; the real answer is ~800 KB of everything else.
 */
const RoomEnterSchema = z.object({
  status_code: z.number(),
  data: z
    .object({
      data: z
        .array(
          z.object({
            id_str: z.string().optional(),
            status: z.number().optional(),
            title: z.string().optional(),
            owner: z.object({ id_str: z.string().optional(), nickname: z.string().optional(), sec_uid: z.string().optional() }).optional(),
          }),
        )
        .optional(),
      enter_room_id: z.string().optional(),
      room_status: z.number().optional(),
      prompts: z.string().optional(),
      user: z.object({ id_str: z.string().optional(), nickname: z.string().optional(), sec_uid: z.string().optional() }).optional(),
    })
    .optional(),
})

/** Query parameters a browser sends, in its order. a_bogus is not computed (see README). */
export function roomEnterUrl(webBase: string, webRid: string, userAgent: string, msToken: string): string {
  const browserVersion = userAgent.replace(/^Mozilla\//, '')
  const params: Array<[string, string]> = [
    ['aid', '6383'], ['app_name', 'douyin_web'], ['live_id', '1'], ['device_platform', 'web'],
    ['language', 'zh-CN'], ['enter_from', 'web_live'], ['cookie_enabled', 'true'],
    ['screen_width', '1920'], ['screen_height', '1080'], ['browser_language', 'zh-CN'],
    ['browser_platform', 'Win32'], ['browser_name', 'Chrome'], ['browser_version', browserVersion],
    ['web_rid', webRid], ['enter_source', ''], ['is_need_double_stream', 'false'],
    ['insert_task_id', ''], ['live_reason', ''], ['msToken', msToken],
  ]
  return `${webBase}/webcast/room/web/enter/?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`
}

/**
 * Read a room-enter answer. Returns null when it carries nothing usable (anonymous requests
 * without a_bogus get an empty body or status_code ≠ 0): the caller then tries the room page.
 */
export function parseRoomEnter(json: unknown, webRid: string): DouyinRoom | null {
  const parsed = RoomEnterSchema.safeParse(json)
  if (!parsed.success || parsed.data.status_code !== 0 || !parsed.data.data) return null
  const d = parsed.data.data
  const room = d.data?.[0]
  const roomId = room?.id_str || d.enter_room_id || ''
  const anchor = d.user ?? room?.owner
  // An ended room may come back without a room entry, only with a prompt.
  if (!room && !anchor && !d.prompts) return null
  const status = room?.status ?? (d.room_status === 0 && roomId ? RoomStatus.Living : RoomStatus.End)
  return {
    webRid,
    roomId,
    status,
    live: status === RoomStatus.Living,
    title: room?.title ?? '',
    anchor: { uid: anchor?.id_str ?? '', nickname: anchor?.nickname ?? null, secUid: anchor?.sec_uid ?? '' },
    userUniqueId: null,
    source: 'enter',
  }
}
