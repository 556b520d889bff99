# syntax=docker/dockerfile:1
# The application image: the API (CMD), the worker (`node dist/worker/main.js`) and the migration
# job (`node dist/prisma/migrate.js`) of docker-compose.yml and deploy/k8s. Compiled JavaScript on
# production dependencies only, run by the unprivileged `node` user; the workflow bundle is built
# here once, so a worker starts without bundling.
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. build: every dependency, the Prisma client (postinstall), tsc to dist/ and the workflow bundle.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/ ./scripts/
COPY prisma/ ./prisma/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:dist

# 2. production dependencies. --omit=optional as well: npm keeps peer-optional packages that are
# also dev dependencies (prisma, typescript) otherwise; the optional ones left out (swc's
# platform binaries, uglify-js, pg-cloudflare) serve bundling and minifying only, done in stage 1.
# --ignore-scripts: the Prisma client is the one stage 1 generated and compiled into dist/.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. runtime
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
# 3000: the API; 9464: METRICS_PORT (the product's metrics), 9465: the worker runtime's, when set.
EXPOSE 3000 9464 9465
# The API's liveness; the compose file and the manifests give the worker and the job their own.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/start/api.js"]
