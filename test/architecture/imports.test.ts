import { expect, test } from 'bun:test'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

// The folder rules of docs/ARCHITECTURE.md that hold today, checked on the source: a new import
// that breaks one fails here. (The cycles that page lists as still to remove are not checked yet.)

const SRC = resolve(import.meta.dir, '../../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Top-level folder (or root file) of a path under src/. */
const topOf = (p: string) => relative(SRC, p).split(sep)[0]!.replace(/\.ts$/, '')

/** Which top-level parts each top-level folder imports (relative imports, types included). */
function folderImports(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>()
  for (const file of files(SRC)) {
    const from = topOf(file)
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = topOf(resolve(dirname(file), m[1]!))
      if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to))
    }
  }
  return edges
}

test('events/ imports nothing of lef; bus/ only events; fan-out never reaches http, rooms or platforms', () => {
  const edges = folderImports()
  const of = (folder: string) => [...(edges.get(folder) ?? [])].sort()
  console.log(`folder imports: ${[...edges].map(([k, v]) => `${k} → ${[...v].sort().join(',')}`).join('; ')}`)
  expect(of('events')).toEqual([])
  expect(of('bus').filter((t) => t !== 'backoff')).toEqual(['events'])
  expect(of('fanout').filter((t) => ['http', 'rooms', 'platforms', 'telemetry', 'app'].includes(t))).toEqual([])
  // Nothing but the entry point imports the composition root.
  expect([...edges].filter(([from, to]) => from !== 'index' && to.has('app')).map(([from]) => from)).toEqual([])
})
