import { createHash } from 'node:crypto'

/**
 * WBI request signing (docs/protocols/bilibili.md §3.3): mandatory on getDanmuInfo since
 * 2025-05-26. The mixin key is 32 characters of img_key + sub_key picked by this table.
 */
const MIXIN_KEY_ENC_TAB = [
  46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35,
  27, 43, 5, 49, 33, 9, 42, 19, 29, 28, 14, 39, 12, 38, 41, 13,
] as const

export interface WbiKeys {
  imgKey: string
  subKey: string
}

export function mixinKey(keys: WbiKeys): string {
  const raw = keys.imgKey + keys.subKey
  let out = ''
  for (const i of MIXIN_KEY_ENC_TAB) out += raw[i] ?? ''
  return out
}

/** `https://i0.hdslb.com/bfs/wbi/7cd0…077c.png` → `7cd0…077c`. */
export function keyFromUrl(url: string): string {
  const last = url.slice(url.lastIndexOf('/') + 1)
  const dot = last.indexOf('.')
  return dot === -1 ? last : last.slice(0, dot)
}

// Bilibili strips these characters from values before signing.
const STRIPPED = /[!'()*]/g

/** encodeURIComponent already gives uppercase %XX and %20 for space, which WBI expects. */
function encodeParam(key: string, value: string): string {
  return `${encodeURIComponent(key)}=${encodeURIComponent(value.replace(STRIPPED, ''))}`
}

/**
 * Sign `params` at unix time `wts` (seconds). Returns the full query string to send
 * (sorted params + wts, then w_rid).
 */
export function signWbi(params: Record<string, string | number>, keys: WbiKeys, wts: number): string {
  const all: Record<string, string> = { wts: String(wts) }
  for (const [k, v] of Object.entries(params)) all[k] = String(v)
  const query = Object.keys(all)
    .sort()
    .map((k) => encodeParam(k, all[k] as string))
    .join('&')
  const wRid = createHash('md5').update(query + mixinKey(keys)).digest('hex')
  return `${query}&w_rid=${wRid}`
}
