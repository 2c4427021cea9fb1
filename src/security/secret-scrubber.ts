/** What replaces a secret in scrubbed text. */
export const REDACTED = '[redacted]'

/**
 * Secrets shorter than this are not replaced: scrubbing every "ab" would garble output without
 * protecting anything a guess would not find.
 */
const MIN_SECRET_LENGTH = 4

/**
 * Replaces known secret values in text. Built from the raw environment before it is parsed, so
 * even a start-up that fails on a malformed value (a driver or SDK echoing its input) is covered.
 */
export class SecretScrubber {
  private readonly secrets: string[]

  constructor(secrets: Iterable<string>) {
    const unique = new Set<string>()
    for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH) unique.add(s)
    // Longest first, so a URL is replaced whole before the password inside it.
    this.secrets = [...unique].sort((a, b) => b.length - a.length)
  }

  get size(): number {
    return this.secrets.length
  }

  scrub(text: string): string {
    let out = text
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED)
    return out
  }
}

/**
 * The secret parts of a URL-shaped value, parsed by hand so that malformed URLs (a bad port, a
 * stray character) still give up their user info: the password, and for DSN-style URLs the user
 * name (Sentry's public key), each raw and percent-decoded.
 */
export function urlCredentials(value: string, { userIsSecret }: { userIsSecret: boolean }): string[] {
  const scheme = value.indexOf('://')
  if (scheme === -1) return []
  const rest = value.slice(scheme + 3).split(/[?#]/)[0] ?? ''
  const at = rest.lastIndexOf('@')
  if (at === -1) return []
  const userInfo = rest.slice(0, at)
  const colon = userInfo.indexOf(':')
  const user = colon === -1 ? userInfo : userInfo.slice(0, colon)
  const password = colon === -1 ? '' : userInfo.slice(colon + 1)
  const parts = [password, ...(userIsSecret ? [user] : [])].filter((p) => p !== '')
  return parts.flatMap((p) => [p, safeDecode(p)])
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
