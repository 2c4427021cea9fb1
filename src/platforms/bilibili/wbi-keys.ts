import { ConnectorError } from '../connector'
import { type FetchFn, fetchJson, type BiliEnvelope } from './http'
import { keyFromUrl, type WbiKeys } from './wbi'

interface NavData {
  isLogin?: boolean
  mid?: number
  uname?: string
  wbi_img?: { img_url?: string; sub_url?: string }
}

/** What `/x/web-interface/nav` tells us: the WBI keys, and who the cookie belongs to. */
export interface NavInfo {
  keys: WbiKeys
  isLogin: boolean
  mid: number
  uname: string | null
}

/** GET nav. It answers `code:-101` for guests but still carries the keys. */
export async function fetchNav(fetchFn: FetchFn, apiBase: string, cookie?: string, signal?: AbortSignal): Promise<NavInfo> {
  const res = await fetchJson<BiliEnvelope<NavData>>(fetchFn, `${apiBase}/x/web-interface/nav`, { cookie, signal })
  const img = res.data?.wbi_img?.img_url
  const sub = res.data?.wbi_img?.sub_url
  if (!img || !sub) throw new ConnectorError('UPSTREAM', `nav answered code ${res.code} without WBI keys`)
  return {
    keys: { imgKey: keyFromUrl(img), subKey: keyFromUrl(sub) },
    isLogin: res.data?.isLogin === true,
    mid: typeof res.data?.mid === 'number' ? res.data.mid : 0,
    uname: typeof res.data?.uname === 'string' ? res.data.uname : null,
  }
}

/**
 * WBI keys rotate about daily. One cache per connector: fetched on first use, refreshed after
 * `ttlMs`, and dropped on -352 so the next request fetches fresh ones.
 */
export class WbiKeyCache {
  private keys: WbiKeys | null = null
  private fetchedAt = 0
  private pending: Promise<WbiKeys> | null = null

  constructor(
    private readonly fetchFn: FetchFn,
    private readonly apiBase: string,
    private readonly now: () => number,
    private readonly ttlMs = 2 * 60 * 60 * 1000,
  ) {}

  async get(): Promise<WbiKeys> {
    if (this.keys && this.now() - this.fetchedAt < this.ttlMs) return this.keys
    // Many rooms start at once: share one nav request. It is not tied to any one caller's
    // abort signal (its own timeout bounds it), so one room stopping cannot fail the others.
    this.pending ??= fetchNav(this.fetchFn, this.apiBase)
      .then((nav) => {
        this.keys = nav.keys
        this.fetchedAt = this.now()
        return nav.keys
      })
      .finally(() => {
        this.pending = null
      })
    return this.pending
  }

  /** Seed from a nav answer we already have (login-sync credentials fetch nav anyway). */
  set(keys: WbiKeys): void {
    this.keys = keys
    this.fetchedAt = this.now()
  }

  invalidate(): void {
    this.keys = null
  }
}
