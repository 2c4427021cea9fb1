import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** The repo root (this file lives in test/). */
export const REPO_ROOT = resolve(import.meta.dir, '..')

/**
 * Real captured data lives beside the repository, in ../shared/fixtures (see each SOURCES.md).
 * LEF_FIXTURES overrides the location.
 */
export const FIXTURES_DIR = process.env.LEF_FIXTURES ?? resolve(REPO_ROOT, '../shared/fixtures')

if (!existsSync(FIXTURES_DIR)) {
  throw new Error(`fixtures not found at ${FIXTURES_DIR}: clone the repo next to shared/ or set LEF_FIXTURES`)
}

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES_DIR, ...parts)
}

export function readFixture(...parts: string[]): Buffer {
  return readFileSync(fixturePath(...parts))
}

export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFixture(...parts).toString('utf8')) as T
}
