import { cpus, totalmem } from 'node:os'

export interface Machine {
  cpu: string
  cores: number
  memoryGb: number
  os: string
  bun: string
  commit: string
  date: string
}

export function describeMachine(): Machine {
  const git = Bun.spawnSync(['git', 'rev-parse', '--short', 'HEAD'], { cwd: `${import.meta.dir}/../..` })
  const dirty = Bun.spawnSync(['git', 'status', '--porcelain', '--untracked-files=no'], { cwd: `${import.meta.dir}/../..` })
  const commit = git.success ? git.stdout.toString().trim() : 'unknown'
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${process.arch}`,
    bun: Bun.version,
    commit: dirty.stdout.toString().trim() === '' ? commit : `${commit} (with uncommitted changes in the tree)`,
    date: new Date().toISOString(),
  }
}
