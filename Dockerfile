# syntax=docker/dockerfile:1
# switchyard, and the Iris model servers it fronts in the compose file: one image, two commands.
#   docker build -t switchyard .
#   docker run --rm switchyard --help
#   docker run --rm -p 8080:8080 -e SWITCHYARD_UPSTREAMS_BLUE_URL=... -e SWITCHYARD_UPSTREAMS_GREEN_URL=... switchyard
#   docker run --rm switchyard model-server --model forest --version v2 --host 0.0.0.0 --port 5002

# ---- build: install everything, compile src/ to dist/ (the prepare script), drop dev deps ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# prepare runs during `npm ci` and compiles src/, so the sources go in before it. The npm cache
# mount keeps the downloads between builds even when a source change invalidates this layer.
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production deps + dist, owned by root and read-only to the node user ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json: `type: module` for bin/ and dist/, and the version `switchyard --version` prints.
# config/default.yaml is read from the working directory; SWITCHYARD_* variables override it.
COPY package.json ./
COPY bin ./bin
COPY config ./config
# The file state store writes data/state.json under /app. Mount a volume here to keep the
# active colour across restarts; an empty named volume takes this directory's owner (node).
RUN mkdir -p /app/data && chown node:node /app/data
USER node

# 8080: the stable endpoint clients call. 8081: admin API, /healthz, /readyz, /metrics.
EXPOSE 8080 8081

# Liveness of `serve` (slim images have no curl). It follows SWITCHYARD_ADMIN_PORT; a container
# that runs `model-server` instead must set its own healthcheck (the compose file does).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const port = process.env.SWITCHYARD_ADMIN_PORT || 8081; require('node:http').get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1)).on('timeout', () => process.exit(1)).on('error', () => process.exit(1))"]

ENTRYPOINT ["node", "bin/switchyard.js"]
CMD ["serve"]
