import { describe, expect, test } from 'bun:test'
import { ConnectorError } from '../../../src/platforms/connector'
import { cookieCloudPassphrase, decryptCookieCloud, encryptCookieCloud } from '../../../src/platforms/bilibili/cookie-cloud'
import { bilibiliLoginFromPayload, fetchSyncedLogin, parseLoginSyncToken } from '../../../src/platforms/bilibili/login-sync'

const UUID = 'hB7nkD2uCqJbV3rq4nKzWm'
const PASSWORD = 'pQ9zL1xWcT6sYb'

const payload = {
  cookie_data: {
    'bilibili.com': [
      { name: 'SESSDATA', value: 'sess%2Cabc', domain: '.bilibili.com' },
      { name: 'bili_jct', value: 'csrf123', domain: '.bilibili.com' },
      { name: 'DedeUserID', value: '3493079520643315', domain: '.bilibili.com' },
      { name: 'buvid3', value: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE12345infoc', domain: '.bilibili.com' },
    ],
    'example.com': [{ name: 'other', value: 'x', domain: 'example.com' }],
  },
  local_storage_data: {},
}

describe('CookieCloud AES (login sync)', () => {
  test('passphrase = md5(uuid-password) first 16 hex chars', () => {
    expect(cookieCloudPassphrase('a', 'b')).toBe('8ca2ed590cf2ea24')
  })

  test('decrypts what OpenSSL produces (`openssl enc -aes-256-cbc -md md5 -salt`, as CryptoJS does)', () => {
    // Made with: printf '{"x":1}' | openssl enc -aes-256-cbc -md md5 -salt -pass pass:<md5(uuid-password)[0:16]> -base64
    expect(decryptCookieCloud('U2FsdGVkX18m5N7EELy2uge5KrXWRm2XsrTJCEKg3B8=', UUID, PASSWORD)).toEqual({ x: 1 })
  })

  test('round trip in the CryptoJS salted format', () => {
    const enc = encryptCookieCloud(payload, UUID, PASSWORD, Buffer.from('0011223344556677', 'hex'))
    expect(Buffer.from(enc, 'base64').subarray(0, 8).toString('latin1')).toBe('Salted__')
    expect(Buffer.from(enc, 'base64').subarray(8, 16).toString('hex')).toBe('0011223344556677')
    expect(decryptCookieCloud(enc, UUID, PASSWORD)).toEqual(payload)
  })

  test('wrong password is a clear error', () => {
    const enc = encryptCookieCloud(payload, UUID, PASSWORD)
    expect(() => decryptCookieCloud(enc, UUID, 'wrong-password')).toThrow(/wrong password/)
    expect(() => decryptCookieCloud('bm90IHNhbHRlZCBhdCBhbGwgYnV0IGxvbmcgZW5vdWdoIGZvciBhIGhlYWRlcg==', UUID, PASSWORD)).toThrow(/salted AES/)
  })

  test('bilibili cookies and uid are pulled out of the payload', () => {
    const login = bilibiliLoginFromPayload(payload)
    expect(login.uid).toBe(3493079520643315)
    expect(login.buvid3).toBe('AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE12345infoc')
    expect(login.cookie).toBe('SESSDATA=sess%2Cabc; bili_jct=csrf123; DedeUserID=3493079520643315; buvid3=AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE12345infoc')
    expect(() => bilibiliLoginFromPayload({ cookie_data: { 'bilibili.com': [] } })).toThrow(/SESSDATA/)
  })
})

describe('LOGIN_SYNC_TOKEN', () => {
  test('uuid@password', () => {
    expect(parseLoginSyncToken(` ${UUID}@${PASSWORD} `)).toEqual({ uuid: UUID, password: PASSWORD })
  })

  test('bad or short tokens are AUTH errors that never echo the token', () => {
    for (const bad of ['', 'abc', 'no-at-sign-here-at-all', 'ab@cd', `${UUID}@`]) {
      let err: unknown
      try {
        parseLoginSyncToken(bad)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(ConnectorError)
      expect((err as ConnectorError).code).toBe('AUTH')
      if (bad.length > 4) expect((err as Error).message).not.toContain(bad)
    }
  })

  test('fetch + decrypt against a fake server; the password is never sent', async () => {
    const seen: string[] = []
    const fetchFn = async (url: string) => {
      seen.push(url)
      if (url === `https://sync.test/get/${UUID}`) return Response.json({ encrypted: encryptCookieCloud(payload, UUID, PASSWORD) })
      return new Response('not found', { status: 404 })
    }
    const login = await fetchSyncedLogin(fetchFn, 'https://sync.test/', `${UUID}@${PASSWORD}`)
    expect(login.uid).toBe(3493079520643315)
    expect(seen.join(' ')).not.toContain(PASSWORD)
    const unknown = fetchSyncedLogin(fetchFn, 'https://sync.test', `someoneelse@${PASSWORD}`)
    expect(unknown).rejects.toMatchObject({ code: 'AUTH' })
  })
})
