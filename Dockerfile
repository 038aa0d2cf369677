# syntax=docker/dockerfile:1
#
# Vigil production image: the server (REST API, socket.io, ingest, alert workers, dashboard),
# the operator CLI and the device simulators, in one image.
#
#   docker build -t vigil .
#   docker run --init ... vigil                                  # the server (CMD below)
#   docker run --rm ... vigil node server/dist/cli/vigil.js status # the operator CLI
#   docker run --rm ... vigil node simulators/dist/cli.js ...      # the simulators
#
# The image expects external services: set DATABASE_URL, REDIS_URL and MQTT_URL (see
# docker-compose.yml and docs/operations.md). It contains no redis-server, so the embedded
# all-in-one mode (no URLs set) is not meant to run from it.
#
# Run it with an init process (`docker run --init`, `init: true` in Compose) so that signals
# reach Node and zombie processes are reaped.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# Build: all dependencies, then `npm run build` (tsc -b server simulators; vite build of the
# dashboard into dashboard/dist).
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Manifests first, so the dependency layer is reused until one of them changes.
COPY package.json package-lock.json ./
COPY server/package.json server/
COPY simulators/package.json simulators/
COPY dashboard/package.json dashboard/

# --ignore-scripts: no dependency needs its install script (every native module ships a
# prebuilt binary package in the lock file); this also keeps the build the same as on the
# developers' npm, which does not run unapproved install scripts.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

COPY tsconfig.json ./
COPY server/ server/
COPY simulators/ simulators/
COPY dashboard/ dashboard/
RUN npm run build

# ---------------------------------------------------------------------------------------------
# Runtime: production dependencies and the build output only.
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
COPY server/package.json server/
COPY simulators/package.json simulators/
COPY dashboard/package.json dashboard/
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

COPY --from=build /app/server/dist server/dist
COPY --from=build /app/simulators/dist simulators/dist
COPY --from=build /app/dashboard/dist dashboard/dist

# The application files stay owned by root (read-only for the process); only DATA_DIR
# (./data, i.e. /app/data) is writable by the unprivileged `node` user of the base image.
RUN mkdir -p /app/data && chown node:node /app/data
USER node

EXPOSE 3000

# Liveness: GET /api/health on the configured PORT (Node 20 has fetch; the slim image has no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "server/dist/main.js"]
