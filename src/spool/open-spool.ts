import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { ConfigError } from '../config'
import { Spool } from './spool'
import { lockSpoolDir, SpoolLockedError } from './spool-lock'

export interface OpenedSpool {
  spool: Spool
  /** Release the directory lock (after `spool.close()`). */
  unlock(): void
}

/**
 * The spool in `DATA_DIR/spool`, locked to this process. A directory another running lef holds
 * leaves this one without a spool (logged as an error): two processes must not replay and trim
 * each other's events, and refusing to start would cost the rooms more than the spool saves.
 * A directory that cannot be created or written is a configuration error.
 */
export function openSpool(opts: { dataDir: string; maxBytes: number; fsyncMs: number; log: Logger }): OpenedSpool | undefined {
  const dir = join(opts.dataDir, 'spool')
  try {
    mkdirSync(dir, { recursive: true })
    const unlock = lockSpoolDir(dir)
    return { spool: Spool.open({ dir, maxBytes: opts.maxBytes, fsyncMs: opts.fsyncMs, log: opts.log }), unlock }
  } catch (err) {
    if (err instanceof SpoolLockedError) {
      opts.log.error({ reason: err.message }, 'spool disabled: events are not journaled on disk by this process; give each lef its own DATA_DIR')
      return undefined
    }
    // A read-only or foreign-owned DATA_DIR: say which directory and why, not a stack trace.
    const code = (err as NodeJS.ErrnoException).code
    if (code) throw new ConfigError([`DATA_DIR: cannot use ${dir} for the spool (${code}); give lef a writable DATA_DIR, e.g. DATA_DIR=./data`])
    throw err
  }
}
