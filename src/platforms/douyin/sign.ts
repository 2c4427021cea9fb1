import { createHash } from 'node:crypto'

/**
 * The push URL's `signature` parameter (docs/protocols/douyin.md §2).
 *
 * Douyin's web SDK computes it as frontierSign({"X-MS-STUB": md5(params)})["X-Bogus"]. The
 * value is 12 bytes in a custom base64 alphabet: a random salt byte, a one-byte RC4 key, then
 * RC4(key) over a 10-byte block holding a counter, fixed SDK bytes, two bytes derived from the
 * stub and an XOR checksum. It holds no timestamp and no user agent, so it can be built natively.
 */

/** The values the server checks the signature against; they must equal those in the URL. */
export interface SignatureInput {
  roomId: string
  userUniqueId: string
  /** `webcast_sdk_version` in the URL, e.g. "1.0.15". */
  sdkVersion: string
  /** `version_code` in the URL, e.g. "180800". */
  versionCode: string
}

/** Anything that turns the signature input into the `signature` query value. */
export interface DouyinSigner {
  readonly kind: string
  sign(input: SignatureInput, signal?: AbortSignal): Promise<string>
}

/** Custom base64 alphabet of the X-Bogus encoding, index-for-index with standard base64. */
const ALPHABET = 'Dkdpgh4ZKsQB80/Mfvw36XI1R25+WUAlEi7NLboqYTOPuzmFjJnryx9HVGcaStCe'

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Last two bytes of md5(md5("")): the SDK hashes an empty request body. */
const EMPTY_BODY_TAIL = [0x45, 0x3f] as const

/** Fixed SDK bytes between the counter and the body hash. */
const SDK_BYTES = [0x00, 0x01, 0x0e] as const

/** The comma-joined parameter string whose md5 is X-MS-STUB; order and keys are fixed. */
export function stubParams(input: SignatureInput): string {
  return [
    'live_id=1', 'aid=6383', `version_code=${input.versionCode}`, `webcast_sdk_version=${input.sdkVersion}`,
    `room_id=${input.roomId}`, 'sub_room_id=', 'sub_channel_id=', 'did_rule=3',
    `user_unique_id=${input.userUniqueId}`, 'device_platform=web', 'device_type=', 'ac=', 'identity=audience',
  ].join(',')
}

/** X-MS-STUB: lowercase hex md5 of the parameter string. */
export function xMsStub(input: SignatureInput): string {
  return createHash('md5').update(stubParams(input)).digest('hex')
}

/**
 * The two stub-derived bytes: D[14], D[15] where D = md5 of the stub's 16 raw bytes (so md5 twice
 * over the parameter string, the second time over binary). Checked against the doc's vectors.
 */
export function stubDigestTail(stub: string): [number, number] {
  if (!/^[0-9a-f]{32}$/i.test(stub)) throw new Error('X-MS-STUB must be 32 hex characters')
  const d = createHash('md5').update(Buffer.from(stub, 'hex')).digest()
  return [d[14]!, d[15]!]
}

/** RC4 with a one-byte key (the key byte repeated over the KSA). Symmetric. */
export function rc4OneByteKey(key: number, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256)
  for (let i = 0; i < 256; i++) s[i] = i
  let j = 0
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key) & 0xff
    const t = s[i]!; s[i] = s[j]!; s[j] = t
  }
  const out = new Uint8Array(data.length)
  let a = 0
  j = 0
  for (let n = 0; n < data.length; n++) {
    a = (a + 1) & 0xff
    j = (j + s[a]!) & 0xff
    const t = s[a]!; s[a] = s[j]!; s[j] = t
    out[n] = data[n]! ^ s[(s[a]! + s[j]!) & 0xff]!
  }
  return out
}

function encode(bytes: Uint8Array): string {
  let out = ''
  for (const ch of Buffer.from(bytes).toString('base64')) out += ALPHABET[STANDARD.indexOf(ch)]
  return out
}

function decode(sig: string): Uint8Array | null {
  if (sig.length !== 16) return null
  let std = ''
  for (const ch of sig) {
    const i = ALPHABET.indexOf(ch)
    if (i < 0) return null
    std += STANDARD[i]
  }
  return new Uint8Array(Buffer.from(std, 'base64'))
}

/** The random bytes of one signature (injectable so tests are deterministic). */
export interface SignatureNoise {
  /** Low 5 bits go into the first byte. */
  salt: number
  /** RC4 key, 0–254. */
  key: number
  /** Filler byte inside the encrypted block. */
  filler: number
}

/** Build the 16-character signature from a stub, a per-session counter and the random bytes. */
export function signatureFromStub(stub: string, counter: number, noise: SignatureNoise): string {
  const [d14, d15] = stubDigestTail(stub)
  const plain = new Uint8Array(10)
  plain.set([counter & 0x3f, ...SDK_BYTES, ...EMPTY_BODY_TAIL, d14, d15, noise.filler & 0xff])
  let check = 0
  for (let i = 0; i < 9; i++) check ^= plain[i]!
  plain[9] = check
  const key = noise.key % 255
  const out = new Uint8Array(12)
  out[0] = 0x40 | (noise.salt & 0x1f)
  out[1] = key
  out.set(rc4OneByteKey(key, plain), 2)
  return encode(out)
}

/** What a signature decodes to; used by tests and by the simulator to check a signature. */
export interface OpenedSignature {
  counter: number
  digestTail: [number, number]
  checksumOk: boolean
}

/** Decode a signature, or null when it is not 16 chars of the alphabet with the right layout. */
export function openSignature(sig: string): OpenedSignature | null {
  const bytes = decode(sig)
  if (!bytes || bytes.length !== 12 || (bytes[0]! & 0xe0) !== 0x40) return null
  const plain = rc4OneByteKey(bytes[1]!, bytes.subarray(2))
  let check = 0
  for (let i = 0; i < 9; i++) check ^= plain[i]!
  return { counter: plain[0]!, digestTail: [plain[6]!, plain[7]!], checksumOk: check === plain[9] }
}

/** True when `sig` is a well-formed signature for this stub. */
export function signatureMatchesStub(sig: string, stub: string): boolean {
  const opened = openSignature(sig)
  if (!opened || !opened.checksumOk) return false
  const [d14, d15] = stubDigestTail(stub)
  return opened.digestTail[0] === d14 && opened.digestTail[1] === d15
}

/**
 * Our own signer: no JS VM, no network. The counter is per signer, like the SDK's per-page
 * sequence; the connector keeps one signer per room.
 */
export function createNativeSigner(random: () => number = Math.random): DouyinSigner {
  let counter = 0
  const byte = () => Math.floor(random() * 256) & 0xff
  return {
    kind: 'native',
    async sign(input) {
      // 1, 2, … 63, then wraps to 1: the field holds 6 bits and the SDK starts at 1.
      counter = (counter % 0x3f) + 1
      return signatureFromStub(xMsStub(input), counter, { salt: byte(), key: byte() % 255, filler: byte() })
    },
  }
}
