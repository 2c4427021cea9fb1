import pino from 'pino'

/** Benchmarks measure work, not logging: every part gets a logger that writes nowhere. */
export const silentLog = pino({ level: 'silent' })
