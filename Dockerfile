# lef: one container serving REST, SSE and the WebSocket bridge on one port.
# The Bun version matches the lockfile's (bun.lock is read by the same Bun that wrote it).
ARG BUN_IMAGE=oven/bun:1.4.5-alpine

# Stage 1: production dependencies only, from the lockfile exactly.
FROM ${BUN_IMAGE} AS deps
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production --ignore-scripts

# Stage 2: the runtime. Bun runs the TypeScript sources directly, so there is no build step;
# tests, the benchmark, .proto sources and dev tools stay out.
FROM ${BUN_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data
COPY --from=deps --chown=bun:bun /app/node_modules ./node_modules
# The glob lets the optional bridge test page be absent without failing the build.
COPY --chown=bun:bun package.json tsconfig.json websocket-test.htm[l] ./
COPY --chown=bun:bun src ./src
# Migrations: the app applies them at start-up (under an advisory lock, so replicas may start together).
COPY --chown=bun:bun drizzle ./drizzle
# DATA_DIR: the spool of events not yet stored (always), and PGlite when DATABASE_URL is unset;
# mount a volume here to keep them.
RUN mkdir -p /app/data && chown bun:bun /app/data
USER bun
EXPOSE 8080
# No curl in the image: Bun's own fetch asks /ping, which really queries the database (and Redis).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || '8080') + '/ping').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: no shell in between, so Bun itself gets SIGTERM and flushes buffered events before it exits.
CMD ["bun", "run", "src/index.ts"]
