# syntax=docker/dockerfile:1
#
# Video-generation API gateway (NestJS on Fastify).
#
#   docker build -f docker/gateway.Dockerfile -t videogw-gateway:local .
#
# Build context is the repository root (see /.dockerignore).
# Stage 1 compiles the TypeScript monorepo and prunes dev dependencies;
# stage 2 is a slim runtime with only package.json, node_modules and dist/.

ARG NODE_IMAGE=node:20-bookworm-slim

############################ build ############################
FROM ${NODE_IMAGE} AS build
WORKDIR /src

# Dependencies first so this layer is cached until the lockfile changes.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund

# Sources (apps/, libs/, scripts/, tsconfig*.json ...) and compile to dist/.
# /actuator/info shows GIT_COMMIT and the build time from dist/build-info.json
# (.git is not in the build context): --build-arg GIT_COMMIT=$(git rev-parse HEAD).
ARG GIT_COMMIT=""
COPY . .
RUN npm run build \
 && test -f dist/apps/gateway/src/main.js \
 && node -e "require('fs').writeFileSync('dist/build-info.json', JSON.stringify({ commit: process.env.GIT_COMMIT || undefined, time: new Date().toISOString() }))" \
 && npm prune --omit=dev --no-audit --no-fund

############################ runtime ############################
FROM ${NODE_IMAGE} AS runtime

# tini as PID 1: forwards SIGTERM to node and reaps zombies, also on
# Kubernetes where there is no `docker run --init`.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown 1000:1000 /data

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    LOG_LEVEL=info

WORKDIR /app
COPY --from=build --chown=root:root /src/package.json ./package.json
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist

# The stock `node` user (uid/gid 1000), numeric so that Kubernetes
# `runAsNonRoot` can verify it. The app files stay root-owned (read-only
# for the process); only /data (results) is writable.
USER 1000:1000
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/gateway/src/main.js"]
