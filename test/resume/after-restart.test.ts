import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Spool } from '../../src/spool/spool'
import { silentLog, startTestApp } from '../support/app'
import { giftEvent } from '../support/events'

test('events a crashed run left in the spool are stored before the next run\'s live events, so resuming from one skips none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lef-resume-restart-'))
  try {
    // What a run killed before its database took anything leaves behind.
    const crashed = Spool.open({ dir: join(dir, 'spool'), maxBytes: 64 * 1024 * 1024, fsyncMs: 2, log: silentLog })
    for (let i = 0; i < 2000; i++) crashed.append({ event: giftEvent(i, { id: `old-${i}` }), receivedAt: 1000 + i }, true)
    await crashed.close()

    const app = await startTestApp({ DATA_DIR: dir })
    try {
      for (let i = 0; i < 200; i++) app.bus.publish(giftEvent(i, { id: `new-${i}` }))
      await app.writer.flush()
      const order = (await app.store.after(0n, {}, 10_000)).map((r) => r.event.id)
      const lastOld = order.findLastIndex((id) => id.startsWith('old-'))
      const firstNew = order.findIndex((id) => id.startsWith('new-'))
      console.log(`resume after restart: spooled=2000 stored=${order.filter((id) => id.startsWith('old-')).length} live=${order.filter((id) => id.startsWith('new-')).length} last spooled at ${lastOld}, first live at ${firstNew}`)
      expect(order).toHaveLength(2200)
      expect(lastOld).toBeLessThan(firstNew)
      // A client that saw old-1999 before the crash resumes from it and gets every live event.
      const after = (await app.store.after((await app.store.seqOf('old-1999'))!, {}, 10_000)).map((r) => r.event.id)
      expect(after.filter((id) => id.startsWith('new-'))).toHaveLength(200)
    } finally {
      await app.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)
