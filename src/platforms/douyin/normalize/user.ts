import type { Message } from '@laplace.live/event-types'
import type { User } from '../../../gen/douyin/data_pb'

// Taken from event-types so we need not depend on its internal package.
type FansMedal = Message['medal']

/** The user's id as a string (id_str, else the uint64 id); '' when absent. */
export function userIdString(user: User | undefined): string {
  if (!user) return ''
  if (user.idStr) return user.idStr
  return user.id === 0n ? '' : user.id.toString()
}

/** A uid for LaplaceEvent's numeric field: only when it survives a double exactly, else 0. */
export function safeUid(id: string): number {
  if (!/^\d+$/.test(id)) return 0
  const n = Number(id)
  return Number.isSafeInteger(n) ? n : 0
}

export function avatarOf(user: User | undefined): string {
  return user?.avatarThumb?.urlList[0] ?? ''
}

/** Douyin's fans club badge as a LAPLACE medal (no guard levels on Douyin). */
export function medalOf(user: User | undefined): FansMedal {
  const club = user?.fansClub?.data
  const level = club?.level ?? 0
  return { level, name: club?.clubName ?? '', room: 0, guardType: 0, lightened: level > 0 ? 1 : 0 }
}

/**
 * The user fields every user-carrying event shares. `uidStr` is the exact id (as on TikTok):
 * LaplaceEvent's numeric `uid` is 0 for ids past 2^53.
 */
export function userFields(user: User | undefined) {
  const id = userIdString(user)
  return { uid: safeUid(id), uidStr: id, username: user?.nickname ?? '', avatar: avatarOf(user), medal: medalOf(user) }
}
