import { startApp } from '../../src/app'
import { parseEnv } from '../../src/config'
import { fanoutEvent, newRunTag, wallNow } from './event'
import { servePublishRequests } from './paced-publisher'

/**
 * A whole lef (startApp from the environment, exactly as src/index.ts builds it) plus a
 * publisher on its bus, driven over IPC: the events enter where a connector's would.
 */
const app = await startApp(parseEnv(process.env))

const run = newRunTag()
servePublishRequests((n, room) => app.bus.publish(fanoutEvent(n, room, wallNow(), run)))
process.on('SIGTERM', () => {
  void app.stop().then(() => process.exit(0))
})
