import { z } from 'zod'

/** The room facts both resolve sources carry. */
export interface ResolvedRoom {
  /** 64-bit room id as a string; '' or '0' when the user has no current room. */
  roomId: string
  /** TikTok's room status: 2 = live, 4 = ended (§1.2). null when not given. */
  status: number | null
  uid: string
  nickname: string
  title: string
}

const idField = z.union([z.string(), z.number()]).transform((v) => String(v))

const userPart = z.object({
  roomId: idField.optional(),
  id: idField.optional(),
  nickname: z.string().optional(),
  status: z.number().optional(),
})
const liveRoomPart = z.object({ status: z.number().optional(), title: z.string().optional() })

/** The shape both sources share: `{ user, liveRoom }`. */
export const roomUserInfoSchema = z.object({ user: userPart.optional(), liveRoom: liveRoomPart.optional().nullable() })

export type RoomUserInfo = z.infer<typeof roomUserInfoSchema>

const sigiStateSchema = z.object({
  LiveRoom: z.object({ liveRoomUserInfo: roomUserInfoSchema.optional() }).optional(),
})

const SIGI_STATE = /<script id="SIGI_STATE" type="application\/json">([\s\S]*?)<\/script>/

/** Page markers TikTok shows instead of the state when it wants a captcha or blocks a region. */
const BLOCK_MARKERS = [/captcha/i, /verify to continue/i, /not available in your region/i]

export type LivePageResult =
  | { kind: 'room'; room: ResolvedRoom }
  | { kind: 'no-state'; blocked: boolean }

export function toResolvedRoom(info: RoomUserInfo): ResolvedRoom {
  // The room's own status wins; the user's status field mirrors it on older pages.
  const status = info.liveRoom?.status ?? info.user?.status ?? null
  return {
    roomId: info.user?.roomId ?? '',
    status,
    uid: info.user?.id ?? '',
    nickname: info.user?.nickname ?? '',
    title: info.liveRoom?.title ?? '',
  }
}

/**
 * Read the live page's embedded state (`SIGI_STATE` → LiveRoom.liveRoomUserInfo). A page without
 * it is either a captcha/region block (`blocked`) or a layout we don't know; the caller then
 * asks the user room API.
 */
export function parseLivePage(html: string): LivePageResult {
  const m = SIGI_STATE.exec(html)
  if (m?.[1] !== undefined) {
    let json: unknown
    try {
      json = JSON.parse(m[1])
    } catch {
      return { kind: 'no-state', blocked: false }
    }
    const parsed = sigiStateSchema.safeParse(json)
    const info = parsed.success ? parsed.data.LiveRoom?.liveRoomUserInfo : undefined
    if (info?.user?.roomId !== undefined) return { kind: 'room', room: toResolvedRoom(info) }
    return { kind: 'no-state', blocked: false }
  }
  return { kind: 'no-state', blocked: BLOCK_MARKERS.some((r) => r.test(html)) }
}
