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

/** The spool in `DATA_DIR/spool`, locked to this process; a directory in use is a configuration error. */
export function openSpool(opts: { dataDir: string; maxBytes: number; fsyncMs: number; log: Logger }): OpenedSpool {
  const dir = join(opts.dataDir, 'spool')
  try {
    const unlock = lockSpoolDirCreating(dir)
    return { spool: Spool.open({ dir, maxBytes: opts.maxBytes, fsyncMs: opts.fsyncMs, log: opts.log }), unlock }
  } catch (err) {
    if (err instanceof SpoolLockedError) throw new ConfigError([`DATA_DIR: ${err.message}`])
    // A read-only or foreign-owned DATA_DIR: say which directory and why, not a stack trace.
    const code = (err as NodeJS.ErrnoException).code
    if (code) throw new ConfigError([`DATA_DIR: cannot use ${dir} for the spool (${code}); give lef a writable DATA_DIR, e.g. DATA_DIR=./data`])
    throw err
  }
}

function lockSpoolDirCreating(dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  return lockSpoolDir(dir)
}
