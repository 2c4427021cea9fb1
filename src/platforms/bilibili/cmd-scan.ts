/**
 * The cmd of an op 5 body read from its raw bytes, so bodies that become no event (ignored or
 * unknown cmds) can be counted without decoding and parsing them.
 */

// `{"cmd":"`: the server writes cmd as the first key, without spaces.
const PREFIX = [0x7b, 0x22, 0x63, 0x6d, 0x64, 0x22, 0x3a, 0x22]
// `"cmd"` anywhere after the prefix: a second key of that name (the last one wins in
// JSON.parse) or a nested one; either way the prefix alone is not the whole story.
const CMD_KEY = Buffer.from('"cmd"')
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const MAX_CMD = 64

/**
 * The body's cmd with any `:…` suffix cut (`DANMU_MSG:4:0:2:2:2:0` → `DANMU_MSG`), as the
 * normaliser would read it after JSON.parse; undefined when the bytes do not say it plainly
 * (other first key, escapes, non-ASCII, empty), and the caller must parse. Before acting on it
 * without parsing, check `hasOneCmdKey` (kept apart so bodies that get parsed anyway skip it).
 */
export function leadingCmd(body: Uint8Array): string | undefined {
  const n = body.byteLength
  if (n < PREFIX.length + 2) return undefined
  for (let i = 0; i < PREFIX.length; i++) if (body[i] !== PREFIX[i]) return undefined
  let cmd = ''
  const limit = Math.min(n, PREFIX.length + MAX_CMD)
  for (let i = PREFIX.length; i < limit; i++) {
    const c = body[i]!
    if (c === QUOTE || c === COLON) return cmd === '' ? undefined : cmd
    if (c === BACKSLASH || c < 0x20 || c >= 0x80) return undefined
    cmd += String.fromCharCode(c)
  }
  return undefined
}

/** True when `"cmd"` occurs only once in the body: the leading key is the only cmd there is. */
export function hasOneCmdKey(body: Uint8Array): boolean {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(CMD_KEY, PREFIX.length) === -1
}
