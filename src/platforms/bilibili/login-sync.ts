import { maskSecret } from '../../telemetry/logger'
import { ConnectorError } from '../connector'
import { CookieCloudError, decryptCookieCloud } from './cookie-cloud'
import { type FetchFn, fetchJson } from './http'

export const DEFAULT_LOGIN_SYNC_SERVER = 'https://login-sync.laplace.cn'

/** A LOGIN_SYNC_TOKEN split into its parts: `${uuid}@${password}` as the extension copies it. */
export interface LoginSyncToken {
  uuid: string
  password: string
}

/** Bilibili account cookies recovered from login sync. */
export interface SyncedLogin {
  /** The account's mid (DedeUserID cookie). */
  uid: number
  /** `name=value; …` of every bilibili.com cookie, for API requests. */
  cookie: string
  buvid3: string | null
}

const MIN_PART = 4

/** Parse and sanity-check a token. Errors never echo it. */
export function parseLoginSyncToken(token: string): LoginSyncToken {
  const t = token.trim()
  const at = t.indexOf('@')
  if (at === -1) throw new ConnectorError('AUTH', `LOGIN_SYNC_TOKEN ${maskSecret(t)} has no "@": expected uuid@password as copied from the Login Sync extension`)
  const uuid = t.slice(0, at)
  const password = t.slice(at + 1)
  if (uuid.length < MIN_PART || password.length < MIN_PART) {
    throw new ConnectorError('AUTH', `LOGIN_SYNC_TOKEN ${maskSecret(t)} is too short: expected uuid@password as copied from the Login Sync extension`)
  }
  return { uuid, password }
}

interface CookieItem {
  name?: unknown
  value?: unknown
  domain?: unknown
}

/**
 * Pull the bilibili.com cookies out of a decrypted CookieCloud payload
 * (`{cookie_data: {<domain>: [{name, value, domain, …}]}, local_storage_data}`).
 */
export function bilibiliLoginFromPayload(payload: unknown): SyncedLogin {
  const data = (payload as { cookie_data?: unknown } | null)?.cookie_data
  if (!data || typeof data !== 'object') throw new ConnectorError('AUTH', 'login sync data has no cookie_data')
  const cookies = new Map<string, string>()
  for (const [domainKey, list] of Object.entries(data as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue
    for (const c of list as CookieItem[]) {
      const domain = typeof c.domain === 'string' ? c.domain : domainKey
      if (!domain.replace(/^\./, '').endsWith('bilibili.com')) continue
      if (typeof c.name !== 'string' || typeof c.value !== 'string') continue
      cookies.set(c.name, c.value)
    }
  }
  const uid = Number(cookies.get('DedeUserID'))
  if (!cookies.get('SESSDATA') || !Number.isSafeInteger(uid) || uid <= 0) {
    throw new ConnectorError('AUTH', 'login sync data holds no logged-in Bilibili session (SESSDATA/DedeUserID missing): log in on bilibili.com and sync again')
  }
  const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  return { uid, cookie, buvid3: cookies.get('buvid3') ?? null }
}

/** Fetch the encrypted blob (`GET {server}/get/{uuid}`) and decrypt it here: the password never leaves. */
export async function fetchSyncedLogin(fetchFn: FetchFn, server: string, token: string, signal?: AbortSignal): Promise<SyncedLogin> {
  const { uuid, password } = parseLoginSyncToken(token)
  let res: { encrypted?: unknown }
  try {
    res = await fetchJson<{ encrypted?: unknown }>(fetchFn, `${server.replace(/\/+$/, '')}/get/${encodeURIComponent(uuid)}`, {
      signal,
      // the path holds the token's uuid: keep it out of error messages
      name: 'login sync server',
    })
  } catch (err) {
    if (err instanceof ConnectorError && err.code === 'UPSTREAM') {
      throw new ConnectorError('AUTH', `login sync server has no data for token ${maskSecret(uuid)}: ${err.message}`, undefined, { cause: err })
    }
    throw err
  }
  if (typeof res.encrypted !== 'string') throw new ConnectorError('AUTH', `login sync server has no data for token ${maskSecret(uuid)}`)
  let payload: unknown
  try {
    payload = decryptCookieCloud(res.encrypted, uuid, password)
  } catch (err) {
    if (err instanceof CookieCloudError) throw new ConnectorError('AUTH', `login sync token ${maskSecret(uuid)}: ${err.message}`)
    throw err
  }
  return bilibiliLoginFromPayload(payload)
}
