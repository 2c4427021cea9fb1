// Run by otel.test.ts as a child process: pino's transports are worker threads, so the Axiom
// delivery check gets a process of its own, free of what other test files did to this one.
import { createLogger } from '../../src/telemetry/logger'

const log = createLogger({ level: 'info', axiom: { dataset: 'lef-logs', token: 'xaat-local', url: process.env.AXIOM_TEST_URL! } })
log.info({ room: 'bilibili:25034104', cookie: 'SESSDATA=secret-cookie' }, 'hello from lef to axiom')
// The transport batches; stay alive until the parent has what it waits for and kills us.
setTimeout(() => process.exit(0), 15_000)
