// Preloaded into `bun src/index.ts` by startup-secrets.test.ts: a library failing after start,
// with a secret in its message, as a driver echoing its connection string would.
setTimeout(() => {
  throw new Error(`driver exploded: postgres://lef:${process.env.LEAK_PASSWORD}@db:5432/lef`)
}, Number(process.env.THROW_AFTER_MS ?? 300))
