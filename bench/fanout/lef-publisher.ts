import { startApp } from '../../src/app'
import { parseEnv } from '../../src/config'
import { fanoutEvent, FANOUT_ROOM_BASE, wallNow, type PublishDone, type PublishRequest } from './event'

/**
 * A whole lef (startApp from the environment, exactly as src/index.ts builds it) plus a
 * publisher on its bus, driven over IPC: the events enter where a connector's would.
 */
const app = await startApp(parseEnv(process.env))

async function publish(req: PublishRequest): Promise<PublishDone> {
  const perRoom = new Array<number>(req.rooms).fill(0)
  const total = Math.round(req.rate * req.seconds)
  const t0 = wallNow()
  let n = 0
  let lateTicks = 0
  // Publish on schedule: every wake-up catches up to rate × elapsed, so a slow tick is made
  // good at once rather than stretching the run.
  while (n < total) {
    const due = Math.min(total, Math.floor(((wallNow() - t0) * req.rate) / 1000))
    if (due - n > req.rate / 100) lateTicks++
    for (; n < due; n++) {
      const room = n % req.rooms
      perRoom[room]!++
      app.bus.publish(fanoutEvent(n, FANOUT_ROOM_BASE + room, wallNow()))
    }
    await Bun.sleep(1)
  }
  return { kind: 'published', total, perRoom, lateTicks, seconds: (wallNow() - t0) / 1000 }
}

process.on('message', (m: PublishRequest) => {
  if (m.kind === 'publish') void publish(m).then((done) => process.send?.(done))
})
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0))
})
