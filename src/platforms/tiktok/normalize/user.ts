import type { User } from '../../../gen/tiktok/messages_pb'
import type { TikTokUserExtras } from './context'

/** A 64-bit id as a LAPLACE `uid` number: only when exact, else 0 (the string is in uidStr). */
export function safeUid(id: string): number {
  const n = Number(id)
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

/** uid/username/avatar plus the exact id and @handle. */
export function userFields(user: User | undefined): { uid: number; username: string; avatar: string } & TikTokUserExtras {
  const id = user?.id && user.id !== '0' ? user.id : (user?.idStr ?? '')
  return {
    uid: safeUid(id),
    username: user?.nickname || user?.displayId || '',
    avatar: user?.avatarThumb?.urlList[0] ?? '',
    uidStr: id,
    userUniqueId: user?.displayId ?? '',
  }
}
