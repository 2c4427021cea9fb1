import { FANOUT_ROOM_BASE, wallNow, type PublishDone, type PublishRequest } from './event'

/**
 * Answer the scenario's publish requests over IPC: `publishOne(n, room)` is called for events
 * 0…rate×seconds−1 on schedule, rooms taken in turn. Every wake-up catches up to
 * rate × elapsed, so a slow tick is made good at once rather than stretching the run; a wake-up
 * more than 10 ms behind counts as late.
 */
export function servePublishRequests(publishOne: (n: number, room: number) => void): void {
  process.on('message', (m: PublishRequest) => {
    if (m.kind === 'publish') void publishOnSchedule(m, publishOne).then((done) => process.send?.(done))
  })
}

async function publishOnSchedule(req: PublishRequest, publishOne: (n: number, room: number) => void): Promise<PublishDone> {
  const perRoom = new Array<number>(req.rooms).fill(0)
  const total = Math.round(req.rate * req.seconds)
  const t0 = wallNow()
  let n = 0
  let lateTicks = 0
  while (n < total) {
    const due = Math.min(total, Math.floor(((wallNow() - t0) * req.rate) / 1000))
    if (due - n > req.rate / 100) lateTicks++
    for (; n < due; n++) {
      const r = n % req.rooms
      perRoom[r]!++
      publishOne(n, FANOUT_ROOM_BASE + r)
    }
    await Bun.sleep(1)
  }
  return { kind: 'published', total, perRoom, lateTicks, seconds: (wallNow() - t0) / 1000 }
}
