import { format } from 'node:util'
import type { SecretScrubber } from './secret-scrubber'

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const

/**
 * Route every `console` call through the scrubber: third-party code (the database driver, the
 * Sentry SDK) prints its own messages, which may carry the URL or DSN they were given. Arguments
 * are formatted as console would (`%s` and friends included), then scrubbed, then printed as one
 * string. Returns a restore.
 */
export function scrubConsole(scrubber: SecretScrubber, target: Console = console): () => void {
  const originals = METHODS.map((m) => [m, target[m]] as const)
  for (const [m, original] of originals) {
    target[m] = (...args: unknown[]) => original.call(target, scrubber.scrub(format(...args)))
  }
  return () => {
    for (const [m, original] of originals) target[m] = original
  }
}
