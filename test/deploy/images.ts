import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** True when an image reference names a fixed version: a tag other than `latest`, or a digest. */
export function isPinnedImage(ref: string): boolean {
  if (ref.includes('@sha256:')) return true
  const lastSlash = ref.lastIndexOf('/')
  const colon = ref.indexOf(':', lastSlash + 1)
  if (colon === -1) return false
  const tag = ref.slice(colon + 1)
  return tag !== '' && tag !== 'latest' && !tag.includes('$')
}

/** Root of the repository (tests run from anywhere). */
export const REPO_ROOT = new URL('../../', import.meta.url).pathname

/** The image the workflow publishes, at this checkout's release tag: compose, k8s and the README use it. */
export const PUBLISHED_REPO = 'ghcr.io/lef-live/lef'
export const PUBLISHED_IMAGE = `${PUBLISHED_REPO}:${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}`
