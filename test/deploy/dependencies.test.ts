import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { REPO_ROOT } from './images'

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
const packageOf = (spec: string) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/')

/** Every bare module specifier in src/, with whether the import is type-only (erased at run time). */
function importsInSrc(): Array<{ file: string; spec: string; typeOnly: boolean }> {
  const out: Array<{ file: string; spec: string; typeOnly: boolean }> = []
  for (const file of new Bun.Glob('src/**/*.ts').scanSync({ cwd: REPO_ROOT })) {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8')
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
      if (m[3]!.startsWith('.')) continue
      out.push({ file, spec: m[3]!, typeOnly: Boolean(m[2]) })
    }
    for (const m of text.matchAll(/\b(?:require|import)\(\s*['"]([^'".][^'"]*)['"]\s*\)/g)) out.push({ file, spec: m[1]!, typeOnly: false })
  }
  return out
}

describe('package.json against the imports in src/', () => {
  const imports = importsInSrc()
  const builtin = (spec: string) => spec === 'bun' || spec.startsWith('bun:') || spec.startsWith('node:') || builtinModules.includes(spec)

  test('every package src/ loads at run time is a production dependency', () => {
    expect(imports.length).toBeGreaterThan(50)
    const runtime = imports.filter((i) => !i.typeOnly && !builtin(i.spec))
    for (const i of runtime) expect(`${i.file}: ${packageOf(i.spec)} in dependencies = ${packageOf(i.spec) in pkg.dependencies}`).toEndWith('= true')
  })

  test('every package src/ imports, even for types only, is declared', () => {
    for (const i of imports.filter((x) => !builtin(x.spec))) {
      const name = packageOf(i.spec)
      expect(`${i.file}: ${name} declared = ${name in pkg.dependencies || name in pkg.devDependencies}`).toEndWith('= true')
    }
  })

  test('the LAPLACE type packages are devDependencies and src/ imports them as types only', () => {
    for (const name of ['@laplace.live/event-types', '@laplace.live/internal']) {
      expect(pkg.devDependencies[name]).toBeDefined()
      expect(pkg.dependencies[name]).toBeUndefined()
      const uses = imports.filter((i) => packageOf(i.spec) === name)
      expect(uses.length).toBeGreaterThan(0)
      for (const u of uses) expect(`${u.file}: ${u.typeOnly}`).toBe(`${u.file}: true`)
    }
  })
})
