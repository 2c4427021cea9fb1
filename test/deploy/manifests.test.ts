import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import type { App } from '../../src/app'
import { CONFIG_ENTRIES, parseEnv } from '../../src/config'
import { startTestApp } from '../support/app'
import { isPinnedImage, PUBLISHED_IMAGE, REPO_ROOT } from './images'

const CONFIG_NAMES = new Set(Object.keys(CONFIG_ENTRIES))

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are free-form YAML */
type Doc = Record<string, any>

/** Compose's `${VAR:-default}` / `${VAR-default}` / `${VAR}` with no variables set: what a fresh checkout gets. */
function substituteDefaults(value: string): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name: string, fallback: string | undefined) => fallback ?? '')
}

let app: App
beforeAll(async () => {
  app = await startTestApp()
})
afterAll(async () => {
  await app.stop()
})

/** Every probe path must be a route that answers 200 on a healthy lef. */
async function expectHealthyRoute(path: string) {
  const res = await fetch(`${app.url}${path}`)
  expect(res.status).toBe(200)
}

describe('docker-compose.yml', () => {
  const compose = parseYaml(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as Doc
  const services = compose.services as Record<string, Doc>
  const lef = services.lef!
  const lefEnv = Object.fromEntries(Object.entries(lef.environment as Record<string, string>).map(([k, v]) => [k, substituteDefaults(String(v))]))

  test('lef (the published image, or built here), postgres:16-alpine and redis:7-alpine, images pinned', () => {
    expect(Object.keys(services).sort()).toEqual(['lef', 'postgres', 'redis'])
    expect(services.postgres!.image).toBe('postgres:16-alpine')
    expect(services.redis!.image).toBe('redis:7-alpine')
    expect(substituteDefaults(lef.image)).toBe(PUBLISHED_IMAGE)
    for (const s of Object.values(services)) expect(isPinnedImage(substituteDefaults(s.image))).toBe(true)
    expect(lef.build).toBe('.')
  })

  test('every lef variable is one lef reads, and the defaults parse', () => {
    for (const name of Object.keys(lefEnv)) expect(CONFIG_NAMES.has(name)).toBe(true)
    const config = parseEnv(lefEnv)
    expect(config.TZ).toBe('Asia/Shanghai')
    expect(config.ROOMS).toEqual([{ platform: 'bilibili', key: '456117' }])
    expect(config.PORT).toBe(8080)
  })

  test('DATABASE_URL points at the compose postgres', () => {
    const db = new URL(lefEnv.DATABASE_URL!)
    expect(db.hostname).toBe('postgres')
    expect(db.port).toBe('5432')
    expect(db.username).toBe(services.postgres!.environment.POSTGRES_USER)
    expect(db.pathname).toBe(`/${services.postgres!.environment.POSTGRES_DB}`)
    expect(db.password).toBe(substituteDefaults(services.postgres!.environment.POSTGRES_PASSWORD))
  })

  test('Redis is opt-in: a profile, and the default lef has no REDIS_URL; with the profile it points at the service', () => {
    expect(services.redis!.profiles).toEqual(['redis'])
    for (const [name, s] of Object.entries(services)) if (name !== 'redis') expect(s.profiles).toBeUndefined()
    expect(parseEnv(lefEnv).REDIS_URL).toBeUndefined()
    // What the comment at the top tells a user to set along with the profile.
    const header = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8').split('\n').filter((l) => l.startsWith('#')).join('\n')
    const optIn = /COMPOSE_PROFILES=redis REDIS_URL=(\S+)/.exec(header)
    expect(optIn).not.toBeNull()
    const redis = new URL(parseEnv({ ...lefEnv, REDIS_URL: optIn![1]! }).REDIS_URL!)
    expect(redis.hostname).toBe('redis')
    expect(redis.port).toBe('6379')
    expect(String(lef.environment.REDIS_URL)).toBe('${REDIS_URL:-}')
  })

  test('the published port is PORT; dependencies are healthy before lef starts (Redis only when enabled)', () => {
    const [, container] = substituteDefaults(lef.ports[0]).split(':')
    expect(container).toBe(lefEnv.PORT)
    expect(lef.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy', required: false } })
    expect(services.redis!.healthcheck.test.join(' ')).toContain('redis-cli ping')
    for (const s of Object.values(services)) expect(s.restart).toBe('unless-stopped')
    expect(services.postgres!.volumes[0]).toBe('postgres-data:/var/lib/postgresql/data')
    expect(Object.keys(compose.volumes)).toContain('postgres-data')
  })

  test('the Postgres health check asks over TCP: it passes on a listening server and fails on a closed port', async () => {
    const check = services.postgres!.healthcheck.test as string[]
    expect(check[0]).toBe('CMD')
    const argv = check.slice(1)
    expect(argv[0]).toBe('pg_isready')
    expect(argv[argv.indexOf('-h') + 1]).toBe('127.0.0.1')
    expect(argv[argv.indexOf('-p') + 1]).toBe('5432')
    // The test PostgreSQL listens on 127.0.0.1:5432, as the server does inside its container.
    expect(Bun.spawnSync(argv, { stdout: 'ignore', stderr: 'ignore' }).exitCode).toBe(0)
    const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
    const closed = String(probe.port)
    await probe.stop(true)
    const down = argv.map((a, i) => (argv[i - 1] === '-p' ? closed : a))
    expect(Bun.spawnSync([...down, '-t', '2'], { stdout: 'ignore', stderr: 'ignore' }).exitCode).not.toBe(0)
  })

  test('DATA_DIR (the spool) is on a named volume', () => {
    expect(lef.volumes).toContain(`lef-data:${lefEnv.DATA_DIR ?? '/app/data'}`)
    expect(Object.keys(compose.volumes)).toContain('lef-data')
  })

  test('ROOMS= (set but empty) stays empty rather than falling back to the default', () => {
    expect(lef.environment.ROOMS).toBe('${ROOMS-456117}')
  })
})

describe('k8s/', () => {
  const dir = join(REPO_ROOT, 'k8s')
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  const docs: Doc[] = files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${f}: ${d.errors[0]!.message}`)
      return d.toJSON() as Doc
    }),
  ).filter((d) => d !== null)
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind)
  const named = (kind: string, name: string) => {
    const d = docs.find((x) => x.kind === kind && x.metadata?.name === name)
    if (!d) throw new Error(`no ${kind} ${name}`)
    return d
  }
  const lefSet = named('StatefulSet', 'lef')
  const lefContainer = lefSet.spec.template.spec.containers.find((c: Doc) => c.name === 'lef') as Doc
  const configMap = named('ConfigMap', 'lef-config').data as Record<string, string>
  const secret = named('Secret', 'lef-secrets').stringData as Record<string, string>
  const explicitEnv = Object.fromEntries((lefContainer.env as Doc[]).map((e) => [e.name, e.value]))
  // What the lef container sees: envFrom in order, then env.
  const containerEnv: Record<string, string> = {}
  for (const from of lefContainer.envFrom as Doc[]) {
    Object.assign(containerEnv, from.configMapRef ? named('ConfigMap', from.configMapRef.name).data : named('Secret', from.secretRef.name).stringData)
  }
  Object.assign(containerEnv, explicitEnv)

  test('has the parts: ConfigMap, Secret, Postgres (Deployment, PVC, Service), Redis, lef, Services, Ingress', () => {
    expect(files.sort()).toEqual(['configmap.yaml', 'ingress.yaml', 'kustomization.yaml', 'lef.yaml', 'namespace.yaml', 'postgres.yaml', 'redis.yaml', 'secret.yaml'])
    named('Deployment', 'postgres')
    named('PersistentVolumeClaim', 'postgres-data')
    named('Service', 'postgres')
    named('Deployment', 'redis')
    named('Service', 'redis')
    named('Service', 'lef')
    named('Ingress', 'lef')
    const kustomization = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Doc
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort())
  })

  test('every variable the lef pod gets is one lef reads, and the whole set parses', () => {
    for (const name of Object.keys(containerEnv)) expect(CONFIG_NAMES.has(name)).toBe(true)
    const config = parseEnv(containerEnv)
    expect(config.ROOMS.length).toBe(3)
    expect(config.TZ).toBe('Asia/Shanghai')
    expect(new URL(config.REDIS_URL!).hostname).toBe(named('Service', 'redis').metadata.name)
    expect(new URL(config.DATABASE_URL!).hostname).toBe(named('Service', 'postgres').metadata.name)
    expect(config.ROOMS_SHARD).toEqual({ mode: 'auto' })
  })

  test('secrets live in the Secret, not the ConfigMap', () => {
    for (const [name, e] of Object.entries(CONFIG_ENTRIES)) {
      if ('secret' in e && e.secret) expect(Object.keys(configMap)).not.toContain(name)
    }
    expect(Object.keys(secret)).toContain('DATABASE_URL')
    expect(Object.keys(secret)).toContain('AUTH_KEY')
  })

  test('one shard per replica: ROOMS_SHARDS equals replicas, pods are StatefulSet ordinals', () => {
    expect(explicitEnv.ROOMS_SHARD).toBe('auto')
    expect(Number(explicitEnv.ROOMS_SHARDS)).toBe(lefSet.spec.replicas)
    expect(lefSet.spec.replicas).toBeGreaterThan(1)
    expect(named('Service', lefSet.spec.serviceName).spec.clusterIP).toBe('None')
  })

  test('ports agree: containerPort = PORT = Service targetPort; the Ingress reaches that Service port', () => {
    const containerPort = lefContainer.ports.find((p: Doc) => p.name === 'http').containerPort
    expect(String(containerPort)).toBe(containerEnv.PORT!)
    for (const svc of byKind('Service').filter((s) => s.spec.selector['app.kubernetes.io/name'] === 'lef')) {
      for (const p of svc.spec.ports) expect(p.targetPort === 'http' ? containerPort : p.targetPort).toBe(containerPort)
    }
    const backend = named('Ingress', 'lef').spec.rules[0].http.paths[0].backend.service
    const svc = named('Service', backend.name)
    expect(svc.spec.ports.map((p: Doc) => p.name)).toContain(backend.port.name)
    for (const kind of ['Service', 'Deployment', 'StatefulSet']) {
      for (const d of byKind(kind)) {
        const selector = kind === 'Service' ? d.spec.selector : d.spec.selector.matchLabels
        if (kind !== 'Service') expect(d.spec.template.metadata.labels).toMatchObject(selector)
        else expect(docs.some((w) => w.spec?.template?.metadata?.labels?.['app.kubernetes.io/name'] === selector['app.kubernetes.io/name'])).toBe(true)
      }
    }
  })

  test('readiness hits /ping on the http port (200 on a healthy lef); liveness only the port', async () => {
    const ready = lefContainer.readinessProbe
    expect(ready.httpGet.port).toBe('http')
    expect(ready.httpGet.path).toBe('/ping')
    await expectHealthyRoute(ready.httpGet.path)
    // A lef waiting for its database answers /ping 503 but must not be restarted for it.
    expect(lefContainer.livenessProbe.tcpSocket).toEqual({ port: 'http' })
    expect(lefContainer.livenessProbe.httpGet).toBeUndefined()
  })

  test('lef resources: requests 250m/256Mi, limits 500m/512Mi; runs as non-root', () => {
    expect(lefContainer.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } })
    expect(lefSet.spec.template.spec.securityContext.runAsNonRoot).toBe(true)
  })

  test('DATA_DIR (the spool) is a persistent volume per replica, writable by the non-root user', () => {
    const dataDir = containerEnv.DATA_DIR ?? '/app/data'
    const mount = (lefContainer.volumeMounts as Doc[]).find((m) => m.mountPath === dataDir)
    expect(mount).toBeDefined()
    const claim = (lefSet.spec.volumeClaimTemplates as Doc[]).find((t) => t.metadata.name === mount!.name)
    expect(claim?.spec.accessModes).toEqual(['ReadWriteOnce'])
    expect(lefSet.spec.template.spec.securityContext.fsGroup).toBe(lefSet.spec.template.spec.securityContext.runAsGroup)
  })

  test('every image is pinned', () => {
    const images = docs.flatMap((d) => (d.spec?.template?.spec?.containers ?? []).map((c: Doc) => c.image as string))
    expect(images.sort()).toEqual([PUBLISHED_IMAGE, 'postgres:16-alpine', 'redis:7-alpine'])
    for (const image of images) expect(isPinnedImage(image)).toBe(true)
  })

  test('kustomization.yaml\'s images entry names the lef image and keeps it at the same pinned tag', () => {
    const kustomization = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Doc
    const [repo, tag] = [PUBLISHED_IMAGE.slice(0, PUBLISHED_IMAGE.lastIndexOf(':')), PUBLISHED_IMAGE.slice(PUBLISHED_IMAGE.lastIndexOf(':') + 1)]
    expect(kustomization.images).toEqual([{ name: repo, newName: repo, newTag: tag }])
    expect(lefContainer.image).toBe(PUBLISHED_IMAGE)
  })

  test('every object is in the lef namespace', () => {
    for (const d of docs.filter((x) => x.kind !== 'Namespace' && x.kind !== 'Kustomization')) expect(d.metadata.namespace).toBe('lef')
  })
})

describe('isPinnedImage', () => {
  test('tags and digests pin; latest or no tag does not', () => {
    expect(isPinnedImage('postgres:16-alpine')).toBe(true)
    expect(isPinnedImage('registry.local:5000/lef@sha256:abc')).toBe(true)
    expect(isPinnedImage('postgres')).toBe(false)
    expect(isPinnedImage('postgres:latest')).toBe(false)
    expect(isPinnedImage('registry.local:5000/lef')).toBe(false)
  })
})
