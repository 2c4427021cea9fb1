import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/**
 * CookieCloud's encryption, which LAPLACE Login Sync keeps (docs/protocols/laplace.md §3):
 * CryptoJS `AES.encrypt(json, passphrase)` with passphrase = MD5(uuid + '-' + password) hex,
 * first 16 chars. CryptoJS's passphrase mode is OpenSSL's: base64("Salted__" + 8-byte salt +
 * ciphertext), key and IV from EVP_BytesToKey(MD5, passphrase, salt), AES-256-CBC, PKCS#7.
 */

const SALTED = Buffer.from('Salted__', 'latin1')

export class CookieCloudError extends Error {
  override name = 'CookieCloudError'
}

export function cookieCloudPassphrase(uuid: string, password: string): string {
  return createHash('md5').update(`${uuid}-${password}`).digest('hex').slice(0, 16)
}

/** OpenSSL EVP_BytesToKey with MD5, one iteration: 32-byte key + 16-byte IV. */
function bytesToKey(passphrase: Buffer, salt: Buffer): { key: Buffer; iv: Buffer } {
  const blocks: Buffer[] = []
  let prev = Buffer.alloc(0)
  while (Buffer.concat(blocks).length < 48) {
    prev = createHash('md5').update(Buffer.concat([prev, passphrase, salt])).digest()
    blocks.push(prev)
  }
  const all = Buffer.concat(blocks)
  return { key: all.subarray(0, 32), iv: all.subarray(32, 48) }
}

export function decryptCookieCloud(encrypted: string, uuid: string, password: string): unknown {
  const raw = Buffer.from(encrypted, 'base64')
  if (raw.length < 32 || !raw.subarray(0, 8).equals(SALTED)) throw new CookieCloudError('encrypted data is not in the salted AES format')
  const { key, iv } = bytesToKey(Buffer.from(cookieCloudPassphrase(uuid, password), 'utf8'), raw.subarray(8, 16))
  let plain: string
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, iv)
    plain = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8')
  } catch {
    // A wrong password shows up as bad padding.
    throw new CookieCloudError('decryption failed: wrong password in the token?')
  }
  try {
    return JSON.parse(plain)
  } catch {
    throw new CookieCloudError('decrypted data is not JSON: wrong password in the token?')
  }
}

/** The inverse, as the browser extension does it. Used by tests and the simulator. */
export function encryptCookieCloud(value: unknown, uuid: string, password: string, salt: Buffer = randomBytes(8)): string {
  const { key, iv } = bytesToKey(Buffer.from(cookieCloudPassphrase(uuid, password), 'utf8'), salt)
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
  return Buffer.concat([SALTED, salt, body]).toString('base64')
}
