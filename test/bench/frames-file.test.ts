import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFramesFile, writeFramesFile } from '../../bench/sim/bilibili-rooms'

const dir = mkdtempSync(join(tmpdir(), 'lef-frames-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test('frames come back from the file in order, with their rooms and bytes', async () => {
  const frames = [
    { room: 100_001, frame: new Uint8Array([1, 2, 3]) },
    { room: 4_000_000_000, frame: new Uint8Array(0) },
    { room: 7, frame: new Uint8Array(70_000).map((_, i) => i & 0xff) },
  ]
  const path = join(dir, 'ok.frames')
  await writeFramesFile(path, frames)
  const back = await readFramesFile(path)
  expect(back.map((f) => f.room)).toEqual([100_001, 4_000_000_000, 7])
  expect(back.map((f) => [...f.frame])).toEqual(frames.map((f) => [...f.frame]))
})

test('a truncated file is an error naming where, not a short list', async () => {
  const path = join(dir, 'cut.frames')
  await writeFramesFile(path, [{ room: 1, frame: new Uint8Array(10) }, { room: 2, frame: new Uint8Array(10) }])
  truncateSync(path, 18 + 8 + 5)
  await expect(readFramesFile(path)).rejects.toThrow('frame at byte 18 runs past the end')
})
