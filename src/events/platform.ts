/** The live platforms lef connects to. */
export const PLATFORMS = ['bilibili', 'douyin', 'tiktok'] as const
export type Platform = (typeof PLATFORMS)[number]

/** Prefix of non-Bilibili event ids, so ids of different platforms never collide. */
export const ID_PREFIX: Record<Platform, string> = { bilibili: '', douyin: 'dy:', tiktok: 'tt:' }
