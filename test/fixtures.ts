import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** The repo root (this file lives in test/). */
export const REPO_ROOT = resolve(import.meta.dir, '..')

/**
 * Real captured data kept in the repository, in test/fixtures/ (each source with its licence,
 * each platform with a SOURCES.md). LEF_FIXTURES points the tests at another copy.
 */
export const FIXTURES_DIR = process.env.LEF_FIXTURES ?? resolve(REPO_ROOT, 'test/fixtures')

if (!existsSync(FIXTURES_DIR)) {
  throw new Error(`fixtures not found at ${FIXTURES_DIR}: LEF_FIXTURES must name a folder laid out like test/fixtures`)
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
