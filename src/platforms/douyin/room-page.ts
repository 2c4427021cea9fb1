import { type DouyinRoom, RoomStatus } from './room'

/**
 * The room page (`live.douyin.com/<web_rid>`) embeds its state as escaped JSON inside Next.js
 * flight data (`self.__pace_f.push([1,"…"])`). We unescape quotes and read the few values we
 * need with anchored patterns rather than parsing the whole flight stream, whose framing changes.
 */
export function parseRoomPage(html: string, webRid: string): DouyinRoom | null {
  const text = html.replace(/\\+"/g, '"')
  const roomId = /"roomId":"(\d+)"/.exec(text)?.[1] ?? /"id_str":"(\d{15,20})","status":\d/.exec(text)?.[1]
  if (!roomId) return null
  const statusMatch =
    new RegExp(`"id_str":"${roomId}","status":(\\d+)`).exec(text)?.[1] ?? /"status_str":"(\d+)"/.exec(text)?.[1]
  const status = statusMatch === undefined ? RoomStatus.End : Number(statusMatch)
  const after = text.slice(text.indexOf(roomId))
  const title = /"title":"((?:[^"\\]|\\.)*)"/.exec(after)?.[1] ?? ''
  const nickname = /"nickname":"((?:[^"\\]|\\.)*)"/.exec(after)?.[1] ?? null
  const anchorUid = /"owner":\{[^{}]*?"id_str":"(\d+)"/.exec(after)?.[1] ?? ''
  const secUid = /"sec_uid":"([^"]+)"/.exec(after)?.[1] ?? ''
  const uniqueId = /"user_unique_id":"(\d+)"/.exec(text)?.[1] ?? null
  return {
    webRid,
    roomId,
    status,
    live: status === RoomStatus.Living,
    title: unescapeJson(title),
    anchor: { uid: anchorUid, nickname: nickname === null ? null : unescapeJson(nickname), secUid },
    userUniqueId: uniqueId,
    source: 'page',
  }
}

function unescapeJson(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string
  } catch {
    return s
  }
}
