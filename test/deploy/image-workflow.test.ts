import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { PUBLISHED_IMAGE, PUBLISHED_REPO, REPO_ROOT } from './images'

/* eslint-disable @typescript-eslint/no-explicit-any -- workflows are free-form YAML */
type Doc = Record<string, any>

const WORKFLOWS = join(REPO_ROOT, '.github/workflows')
// action-validator (a devDependency) checks workflows against GitHub's schema; run by Bun so no Node is needed.
const VALIDATOR = join(REPO_ROOT, 'node_modules/@action-validator/cli/cli.mjs')

function validate(file: string) {
  const done = Bun.spawnSync(['bun', VALIDATOR, file], { stdout: 'pipe', stderr: 'pipe' })
  return { ok: done.exitCode === 0, output: done.stdout.toString() + done.stderr.toString() }
}

const text = readFileSync(join(WORKFLOWS, 'image.yml'), 'utf8')
const workflow = parseYaml(text) as Doc
const steps = (Object.values(workflow.jobs as Record<string, Doc>)[0]!.steps as Doc[])
const step = (action: string) => {
  const s = steps.find((x) => typeof x.uses === 'string' && x.uses.startsWith(`${action}@`))
  if (!s) throw new Error(`no step uses ${action}`)
  return s
}

describe('.github/workflows', () => {
  test('every workflow passes action-validator; a broken one does not', () => {
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f))
    expect(files).toContain('image.yml')
    for (const f of files) {
      const r = validate(join(WORKFLOWS, f))
      if (!r.ok) throw new Error(`${f}: ${r.output}`)
    }
    const dir = mkdtempSync(join(tmpdir(), 'lef-workflow-'))
    try {
      const broken = join(dir, 'image.yml')
      writeFileSync(broken, text.replace('runs-on:', 'runs_on:'))
      expect(validate(broken).ok).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('image.yml', () => {
  test('runs for main, v* tags and pull requests; may push packages', () => {
    expect(workflow.on.push.branches).toEqual(['main'])
    expect(workflow.on.push.tags).toEqual(['v*'])
    expect(workflow.on.pull_request).toBeDefined()
    expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' })
  })

  test('builds for linux/amd64 and linux/arm64 with QEMU and Buildx, pushing except on pull requests', () => {
    step('docker/setup-qemu-action')
    step('docker/setup-buildx-action')
    const build = step('docker/build-push-action')
    expect(build.with.platforms.split(',').sort()).toEqual(['linux/amd64', 'linux/arm64'])
    expect(build.with.context).toBe('.')
    expect(build.with.push).toBe("${{ github.event_name != 'pull_request' }}")
    expect(build.with.tags).toBe('${{ steps.meta.outputs.tags }}')
    const login = step('docker/login-action')
    expect(login.with.registry).toBe('ghcr.io')
    expect(login.if).toBe("github.event_name != 'pull_request'")
    // Every action is pinned to a major version.
    for (const s of steps.filter((x) => x.uses)) expect(s.uses).toMatch(/@v\d+$/)
  })

  test('tags: latest for release tags only, edge for main, sha-<hash>, and the release version', () => {
    const meta = step('docker/metadata-action')
    expect(steps.indexOf(meta)).toBeLessThan(steps.indexOf(step('docker/build-push-action')))
    expect(meta.id).toBe('meta')
    // ghcr.io/<owner>/<repo>: for the repository lef-live/lef that is the name compose and k8s use.
    expect(meta.with.images).toBe('ghcr.io/${{ github.repository }}')
    expect(PUBLISHED_REPO).toBe('ghcr.io/lef-live/lef')
    expect(meta.with.flavor.trim()).toBe('latest=false')
    const rules = (meta.with.tags as string).trim().split('\n').map((l) => l.trim())
    expect(rules).toContain("type=raw,value=latest,enable=${{ startsWith(github.ref, 'refs/tags/v') }}")
    expect(rules).toContain('type=raw,value=edge,enable={{is_default_branch}}')
    expect(rules.find((r) => r.startsWith('type=sha,'))).toContain('prefix=sha-')
    // A tag v<version> publishes <version>: the tag compose and k8s pin.
    expect(rules).toContain('type=semver,pattern={{version}}')
    expect(PUBLISHED_IMAGE.endsWith(`:${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}`)).toBe(true)
  })
})
