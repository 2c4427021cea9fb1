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
  const spool = Spool.open({ dir, maxBytes: opts.maxBytes, fsyncMs: opts.fsyncMs, log: opts.log })
  try {
    return { spool, unlock: lockSpoolDir(dir) }
  } catch (err) {
    if (err instanceof SpoolLockedError) throw new ConfigError([`DATA_DIR: ${err.message}`])
    throw err
  }
}
