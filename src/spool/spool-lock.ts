import { readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export class SpoolLockedError extends Error {
  override name = 'SpoolLockedError'
}

/**
 * Make this process the spool directory's only user: two processes replaying and trimming one
 * spool would store each other's events into their own databases. A lock left by a dead process
 * (a crash, SIGKILL) is taken over. Returns the release function.
 */
export function lockSpoolDir(dir: string): () => void {
  const path = join(dir, 'lock')
  let holder: number | undefined
  try {
    holder = Number.parseInt(readFileSync(path, 'utf8'), 10)
  } catch {
    holder = undefined
  }
  if (holder !== undefined && Number.isSafeInteger(holder) && holder !== process.pid && isAlive(holder)) {
    throw new SpoolLockedError(`the spool in ${dir} is in use by process ${holder}; give each lef its own DATA_DIR`)
  }
  writeFileSync(path, String(process.pid))
  return () => {
    try {
      if (readFileSync(path, 'utf8') === String(process.pid)) unlinkSync(path)
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
