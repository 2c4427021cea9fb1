import { type Buvid, fetchBuvid } from './buvid'
import type { FetchFn } from './http'
import { ConnectorError } from '../connector'
import { fetchSyncedLogin, type SyncedLogin } from './login-sync'
import { fetchNav, type WbiKeyCache } from './wbi-keys'

/** Who a session connects as: the auth packet's uid/buvid and the cookie for getDanmuInfo. */
export interface Credentials {
  kind: 'guest' | 'login-sync'
  uid: number
  buvid: string
  cookie: string
  /** Which LOGIN_SYNC_TOKEN (index), for logs; -1 for guests. */
  tokenIndex: number
}

export interface CredentialOptions {
  fetchFn: FetchFn
  apiBase: string
  loginSyncServer: string
  /** LOGIN_SYNC_TOKEN values; empty → guest. */
  tokens: readonly string[]
  wbiKeys: WbiKeyCache
  now: () => number
  /** Synced cookies are re-fetched after this long (the extension re-uploads as they change). */
  loginTtlMs?: number
}

/**
 * Hands out credentials per room. With several tokens, rooms are spread over them in the order
 * they first connect (room n uses token n mod count), so one account does not carry every
 * room's connection (Bilibili limits connections per account, BililiveRecorder#793).
 */
export class CredentialSource {
  private guestBuvid: Promise<Buvid> | null = null
  private readonly roomToken = new Map<string, number>()
  private readonly logins = new Map<number, { at: number; login: Promise<Credentials> }>()

  constructor(private readonly opts: CredentialOptions) {}

  get usesLogin(): boolean {
    return this.opts.tokens.length > 0
  }

  async forRoom(room: string, signal?: AbortSignal): Promise<Credentials> {
    if (!this.usesLogin) {
      const b = await withAbort(this.buvid(), signal)
      return { kind: 'guest', uid: 0, buvid: b.buvid3, cookie: buvidCookie(b), tokenIndex: -1 }
    }
    let index = this.roomToken.get(room)
    if (index === undefined) {
      index = this.roomToken.size % this.opts.tokens.length
      this.roomToken.set(room, index)
    }
    const cached = this.logins.get(index)
    const ttl = this.opts.loginTtlMs ?? 60 * 60 * 1000
    if (cached && this.opts.now() - cached.at < ttl) return withAbort(cached.login, signal)
    // Shared by every room on this token: bounded by request timeouts, not one room's signal.
    const login = this.login(index)
    this.logins.set(index, { at: this.opts.now(), login })
    // A failed login must not stick in the cache.
    login.catch(() => {
      if (this.logins.get(index)?.login === login) this.logins.delete(index)
    })
    return withAbort(login, signal)
  }

  /** Forget a room's account login (its token was rejected), so the next session logs in afresh. */
  invalidate(room: string): void {
    const index = this.roomToken.get(room)
    if (index !== undefined) this.logins.delete(index)
  }

  private async login(index: number): Promise<Credentials> {
    const token = this.opts.tokens[index] as string
    const synced: SyncedLogin = await fetchSyncedLogin(this.opts.fetchFn, this.opts.loginSyncServer, token)
    const b = synced.buvid3 ? { buvid3: synced.buvid3, buvid4: null } : await this.buvid()
    const cookie = synced.buvid3 ? synced.cookie : `${synced.cookie}; ${buvidCookie(b)}`
    // nav with the account cookie proves the session is alive and gives fresh WBI keys.
    const nav = await fetchNav(this.opts.fetchFn, this.opts.apiBase, cookie)
    this.opts.wbiKeys.set(nav.keys)
    if (!nav.isLogin) {
      throw new ConnectorError('AUTH', `login sync token #${index + 1}: the synced Bilibili cookies are logged out (expired?): log in on bilibili.com and sync again`)
    }
    // The socket drops connections whose uid does not match the token's account (§2.2).
    const uid = nav.mid > 0 ? nav.mid : synced.uid
    return { kind: 'login-sync', uid, buvid: b.buvid3, cookie, tokenIndex: index }
  }

  private buvid(): Promise<Buvid> {
    this.guestBuvid ??= fetchBuvid(this.opts.fetchFn, this.opts.apiBase).catch((err) => {
      this.guestBuvid = null
      throw err
    })
    return this.guestBuvid
  }
}

function buvidCookie(b: Buvid): string {
  return b.buvid4 ? `buvid3=${b.buvid3}; buvid4=${b.buvid4}` : `buvid3=${b.buvid3}`
}

/** Wait for a shared promise, but let this caller stop waiting when its signal aborts. */
function withAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
