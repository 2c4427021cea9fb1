import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Subprocess } from 'bun'
import { CONFIG_ENTRIES } from '../../src/config'
import { commandOf, healthcheckCommand, parseCopy, parseDockerfile, parseEnvLine, type Dockerfile } from './dockerfile'
import { isPinnedImage, REPO_ROOT } from './images'

const dockerfile: Dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))
const runtime = dockerfile.stages[dockerfile.stages.length - 1]!
const deps = dockerfile.stages.find((s) => s.instructions.some((i) => i.op === 'RUN' && /\bbun install\b/.test(i.rest)))!
const ops = (op: string) => runtime.instructions.filter((i) => i.op === op)

describe('Dockerfile', () => {
  test('multi-stage on a pinned official Bun image', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2)
    for (const s of dockerfile.stages) {
      expect(s.image).toMatch(/^oven\/bun:/)
      expect(isPinnedImage(s.image)).toBe(true)
    }
    // The image's Bun is the one that wrote bun.lock (a different major may not read it).
    const tag = runtime.image.split(':')[1]!
    expect(tag.split('-')[0]!.split('.').slice(0, 2).join('.')).toBe(Bun.version.split('.').slice(0, 2).join('.'))
    // ...and satisfies the Bun version package.json asks for.
    const engines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { bun: string } }).engines.bun
    expect(Bun.semver.satisfies(tag.split('-')[0]!, engines)).toBe(true)
    expect(Bun.semver.satisfies(Bun.version, engines)).toBe(true)
  })

  test('installs production dependencies only, from the lockfile', () => {
    const install = deps.instructions.find((i) => i.op === 'RUN' && /\bbun install\b/.test(i.rest))!.rest
    expect(install).toContain('--frozen-lockfile')
    expect(install).toContain('--production')
    expect(deps).not.toBe(runtime)
    // The runtime stage takes node_modules from the deps stage and installs nothing itself.
    const fromDeps = ops('COPY').map((c) => parseCopy(c.rest)).filter((c) => c.from === deps.name)
    expect(fromDeps.map((c) => c.sources)).toEqual([['/app/node_modules']])
    expect(ops('RUN').some((r) => /bun install|apk add|apt-get/.test(r.rest))).toBe(false)
  })

  test('copies the sources and the migrations, never tests or dev tooling', () => {
    const copied = ops('COPY').map((c) => parseCopy(c.rest)).filter((c) => !c.from).flatMap((c) => c.sources)
    expect(copied).toContain('src')
    expect(copied).toContain('drizzle')
    expect(copied).toContain('package.json')
    for (const s of copied) expect(['test', 'bench', 'proto', '.', 'node_modules', '.git']).not.toContain(s)
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim())
    for (const entry of ['.git', 'node_modules', 'test', 'bench', '.env', 'data']) expect(ignore).toContain(entry)
  })

  test('runs as a non-root user, exposes PORT, checks /ping', () => {
    const user = ops('USER').at(-1)?.rest.trim()
    expect(user).toBe('bun')
    expect(ops('EXPOSE').map((e) => e.rest.trim())).toEqual(['8080'])
    const env = Object.assign({}, ...ops('ENV').map((e) => parseEnvLine(e.rest))) as Record<string, string>
    expect(env.PORT).toBe('8080')
    expect(CONFIG_ENTRIES.PORT.fallback).toBe('8080')
    for (const name of Object.keys(env)) if (name !== 'NODE_ENV') expect(Object.keys(CONFIG_ENTRIES)).toContain(name)
    const hc = healthcheckCommand(ops('HEALTHCHECK')[0]!.rest)
    expect(hc.slice(0, 2)).toEqual(['bun', '-e'])
    expect(hc[2]).toContain('/ping')
  })
})

describe('Dockerfile install and start steps, run here', () => {
  let dir: string
  let port: number
  let proc: Subprocess | undefined
  let env: Record<string, string>

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lef-docker-'))
    // WORKDIR /app is the temp dir; each context COPY lands where the Dockerfile puts it.
    const copyInto = (stage: typeof deps) => {
      for (const c of stage.instructions.filter((i) => i.op === 'COPY').map((i) => parseCopy(i.rest))) {
        if (c.from) continue
        for (const pattern of c.sources) {
          const matches = [...new Bun.Glob(pattern).scanSync({ cwd: REPO_ROOT, onlyFiles: false, dot: true })]
          if (!pattern.includes('[') && !pattern.includes('*')) expect(matches).toEqual([pattern])
          for (const m of matches) {
            const dest = c.dest.endsWith('/') || c.sources.length > 1 ? join(dir, c.dest, m) : join(dir, c.dest)
            mkdirSync(dirname(dest), { recursive: true })
            cpSync(join(REPO_ROOT, m), dest, { recursive: true })
          }
        }
      }
    }
    copyInto(deps)
    const install = commandOf(deps.instructions.find((i) => i.op === 'RUN' && /\bbun install\b/.test(i.rest))!.rest)
    const done = Bun.spawnSync(install, { cwd: dir, env: { ...process.env, CI: '1' }, stdout: 'pipe', stderr: 'pipe' })
    if (done.exitCode !== 0) throw new Error(`install failed: ${done.stderr.toString()}`)
    copyInto(runtime)

    const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
    port = probe.port!
    await probe.stop(true)
    const imageEnv = Object.assign({}, ...ops('ENV').map((e) => parseEnvLine(e.rest))) as Record<string, string>
    env = { PATH: process.env.PATH ?? '', HOME: dir, ...imageEnv, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), ROOMS: '', LOG_LEVEL: 'warn' }
    proc = Bun.spawn(commandOf(ops('CMD')[0]!.rest), { cwd: dir, env, stdout: 'pipe', stderr: 'pipe' })
  }, 120_000)

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGKILL')
      await proc.exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  test('only production dependencies were installed', () => {
    expect(existsSync(join(dir, 'node_modules/hono/package.json'))).toBe(true)
    expect(existsSync(join(dir, 'node_modules/postgres/package.json'))).toBe(true)
    expect(existsSync(join(dir, 'node_modules/fast-check'))).toBe(false)
    expect(existsSync(join(dir, 'node_modules/drizzle-kit'))).toBe(false)
    expect(existsSync(join(dir, 'drizzle/0000_init.sql'))).toBe(true)
    expect(existsSync(join(dir, 'test'))).toBe(false)
    // Types-only packages, the TypeScript compiler their peers pulled in, and exporters lef never uses.
    for (const absent of ['@laplace.live/event-types', '@laplace.live/internal', 'typescript', '@opentelemetry/sdk-node', '@grpc/grpc-js', '@sentry/node']) {
      expect(`${absent}: ${existsSync(join(dir, 'node_modules', absent))}`).toBe(`${absent}: false`)
    }
  })

  test('the production node_modules stays within 150 MB', () => {
    const du = Bun.spawnSync(['du', '-sk', join(dir, 'node_modules')], { stdout: 'pipe' })
    const mb = Number(du.stdout.toString().split(/\s/)[0]) / 1024
    expect(mb).toBeGreaterThan(10)
    expect(mb).toBeLessThanOrEqual(150)
  })

  test('modules loaded only when configured (tracing, Sentry) resolve from the production install', () => {
    const load = Bun.spawnSync(['bun', '-e', "await import('./src/telemetry/tracing.ts'); await import('./src/telemetry/sentry.ts')"], { cwd: dir, env, stdout: 'pipe', stderr: 'pipe' })
    expect(load.stderr.toString()).toBe('')
    expect(load.exitCode).toBe(0)
  })

  test('the CMD serves /ping with 200 and the HEALTHCHECK passes; SIGTERM stops it cleanly', async () => {
    let res: Response | undefined
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      // 503 while the embedded database starts; 200 once lef is ready.
      res = await fetch(`http://127.0.0.1:${port}/ping`).catch(() => undefined)
      if (res?.status === 200) break
      if (proc!.exitCode !== null) break
      await Bun.sleep(100)
    }
    if (!res) throw new Error(`lef did not start: ${await new Response(proc!.stderr as ReadableStream).text()}`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { data: { message: string; status: string } }
    expect(body.data).toEqual({ message: 'pong', status: 'healthy' })
    // /docs serves Swagger UI from the image's own node_modules.
    const bundle = await fetch(`http://127.0.0.1:${port}/docs/swagger-ui-bundle.js`)
    expect(bundle.status).toBe(200)
    expect((await bundle.text()).length).toBeGreaterThan(100_000)

    const hc = Bun.spawnSync(healthcheckCommand(ops('HEALTHCHECK')[0]!.rest), { cwd: dir, env })
    expect(hc.exitCode).toBe(0)

    proc!.kill('SIGTERM')
    expect(await proc!.exited).toBe(0)
    // With the server gone the same check fails, so it is not vacuous.
    const down = Bun.spawnSync(healthcheckCommand(ops('HEALTHCHECK')[0]!.rest), { cwd: dir, env })
    expect(down.exitCode).toBe(1)
  }, 60_000)
})
