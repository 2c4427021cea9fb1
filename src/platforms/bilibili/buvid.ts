import { randomBytes } from 'node:crypto'
import { type BiliEnvelope, type FetchFn, fetchJson } from './http'

export interface Buvid {
  buvid3: string
  buvid4: string | null
}

/**
 * buvid3/buvid4 are device cookies, not tied to an account; without them getDanmuInfo answers
 * -352 even when WBI-signed (docs/protocols/bilibili.md §3.4). `finger/spi` hands out a pair.
 */
export async function fetchBuvid(fetchFn: FetchFn, apiBase: string, signal?: AbortSignal): Promise<Buvid> {
  const res = await fetchJson<BiliEnvelope<{ b_3?: string; b_4?: string }>>(fetchFn, `${apiBase}/x/frontend/finger/spi`, { signal })
  const b3 = res.data?.b_3
  if (res.code !== 0 || !b3) return { buvid3: fakeBuvid3(), buvid4: null }
  return { buvid3: b3, buvid4: res.data?.b_4 ?? null }
}

/** Same shape as a real buvid3 (`8-4-4-4-12` hex + 5 digits + `infoc`), used when spi fails. */
export function fakeBuvid3(random: (n: number) => Buffer = randomBytes): string {
  const hex = random(16).toString('hex').toUpperCase()
  const digits = String(random(4).readUInt32BE(0) % 100000).padStart(5, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}${digits}infoc`
}
