import { CONFIG_ENTRIES } from '../config'
import { SecretScrubber, urlCredentials } from './secret-scrubber'

/** URL variables whose user name is itself a key (Sentry's DSN carries its public key there). */
const USER_IS_SECRET = new Set(['SENTRY_DSN'])

/**
 * Every secret the environment holds: each variable marked secret (whole, and each entry of a
 * comma list), and the credentials inside URL variables. Read from the raw environment, so it
 * works before (and when) parsing fails.
 */
export function secretsOfEnv(env: Record<string, string | undefined>): string[] {
  const out: string[] = []
  for (const [name, entry] of Object.entries(CONFIG_ENTRIES)) {
    if (!('secret' in entry) || !entry.secret) continue
    const value = env[name]?.trim()
    if (!value) continue
    out.push(value)
    for (const part of value.split(',')) {
      out.push(part.trim())
      // Login Sync keys are `uuid@password`: the password alone is a secret too.
      if (!part.includes('://') && part.includes('@')) out.push(part.slice(part.lastIndexOf('@') + 1).trim())
    }
    // OTLP headers: `Authorization=Bearer xyz`: the value after `=` and the token after a scheme.
    for (const pair of value.split(',')) {
      const v = pair.slice(pair.indexOf('=') + 1).trim()
      out.push(v, v.replace(/^\w+\s+/, ''))
    }
    out.push(...urlCredentials(value, { userIsSecret: USER_IS_SECRET.has(name) }))
  }
  return out
}

/** A scrubber for everything secret in this environment. */
export function scrubberForEnv(env: Record<string, string | undefined>): SecretScrubber {
  return new SecretScrubber(secretsOfEnv(env))
}
