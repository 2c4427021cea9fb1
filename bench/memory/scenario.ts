import { rssMb, startLef } from '../lib/child'
import { createBenchDatabase } from '../lib/pg'
import type { BenchContext, Figure, ScenarioResult } from '../lib/result'
import { startRoomsSimChild } from '../sim/rooms-sim-client'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

interface Sample {
  rooms: number
  rssMb: number
  peakMb: number
  messages: number
  connectSeconds: number
}

/**
 * Scenario 4: resident memory of a lef process (PostgreSQL storage, so no embedded database in
 * its heap) with 0, 100 and 1,000 live Bilibili rooms receiving scripted traffic.
 */
export async function memoryScenario(ctx: BenchContext): Promise<Omit<ScenarioResult, 'seconds'>> {
  const counts = ctx.quick ? [0, 5, 20] : [0, 100, 1_000]
  const settleMs = ctx.quick ? 1_500 : 30_000
  const intervalMs = 2_000
  const db = await createBenchDatabase(ctx.databaseUrl)
  const samples: Sample[] = []
  try {
    for (const rooms of counts) {
      const sim = await startRoomsSimChild()
      let lef: Awaited<ReturnType<typeof startLef>> | undefined
      try {
        const list = Array.from({ length: rooms }, (_, i) => `bilibili:${200_001 + i}`).join(',')
        lef = await startLef({ ...sim.lefEnv, DATABASE_URL: db.url, ROOMS: list })
        const t0 = performance.now()
        if (rooms > 0) await sim.waitAuthed(rooms, 180_000)
        const connectSeconds = (performance.now() - t0) / 1000
        ctx.log(`memory: ${rooms} rooms connected in ${connectSeconds.toFixed(1)} s; traffic for ${settleMs / 1000} s`)
        if (rooms > 0) await sim.traffic(intervalMs)
        // Sample through the whole window; the figure is the median of its second half (warm).
        const rss: number[] = []
        const end = performance.now() + settleMs
        while (performance.now() < end) {
          await Bun.sleep(Math.min(1_000, settleMs / 6))
          rss.push(rssMb(lef.pid))
        }
        const messages = (await sim.stats()).messages
        samples.push({ rooms, rssMb: median(rss.slice(Math.floor(rss.length / 2))), peakMb: Math.max(...rss), messages, connectSeconds })
      } finally {
        await sim.stopTraffic().catch(() => {})
        await lef?.stop()
        await sim.stop()
      }
    }
  } finally {
    await db.drop()
  }
  const base = samples[0]!
  const figures: Figure[] = [
    { name: 'RSS with 0 rooms', value: base.rssMb, unit: 'MB' },
    ...samples.slice(1).flatMap((s): Figure[] => [
      {
        name: `RSS per room at ${s.rooms} rooms`,
        value: (s.rssMb - base.rssMb) / s.rooms,
        unit: 'MB/room',
        baseline: { name: 'lef with 0 rooms', value: base.rssMb, unit: 'MB' },
        target: '≤ 0.5 MB per room',
        met: (s.rssMb - base.rssMb) / s.rooms <= 0.5,
      },
      {
        name: `RSS at ${s.rooms} rooms`,
        value: s.rssMb,
        unit: 'MB',
        baseline: { name: 'lef with 0 rooms', value: base.rssMb, unit: 'MB' },
        ratio: s.rssMb / base.rssMb,
        ratioMeaning: '× the 0-room process',
        ...(s.rooms === 1_000 ? { target: '≤ 150 MB at 1,000 rooms', met: s.rssMb <= 150 } : {}),
      },
    ]),
  ]
  return {
    id: 'memory',
    title: 'Memory per room',
    figures,
    table: {
      columns: ['rooms', 'RSS (MB, warm median)', 'peak RSS (MB)', 'MB per room over 0 rooms', 'messages sent in the window', 'all rooms connected after (s)'],
      rows: samples.map((s) => [s.rooms, s.rssMb.toFixed(1), s.peakMb.toFixed(1), s.rooms === 0 ? '' : ((s.rssMb - base.rssMb) / s.rooms).toFixed(3), s.messages, s.connectSeconds.toFixed(1)]),
    },
    notes: [
      `Each room count is a fresh \`bun src/index.ts\` on PostgreSQL (so the embedded database is not in the figure), connected to the multi-room simulator in its own process. Every room gets one scripted frame every ${intervalMs / 1000} s (≈ 1.3 messages/s per room: danmaku, gifts, entries, likes, super chats, guards), staggered.`,
      `RSS is read from /proc/<pid>/status over ${settleMs / 1000} s of traffic after every room has authed; the figure is the median of the second half of the samples.`,
    ],
  }
}
