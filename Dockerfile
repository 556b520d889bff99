# The application image: API (start/api.ts), worker (npm run worker) and migration job
# (npm run db:migrate) of docker-compose.yml. TypeScript runs through tsx, so the image carries the
# sources and the full dependency tree (`npm ci` also generates the Prisma client).
FROM node:20-bookworm-slim

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first, so a source change does not reinstall them. postinstall generates the Prisma
# client from prisma/schema.prisma with scripts/prisma-generate.mjs.
COPY --chown=node:node package.json package-lock.json prisma.config.ts ./
COPY --chown=node:node scripts/ ./scripts/
COPY --chown=node:node prisma/ ./prisma/
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY --chown=node:node . .

ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/.data
EXPOSE 3000

# The API; the compose file gives the worker and the migration job their own commands.
CMD ["node", "--import", "./start/register-tsx.mjs", "start/api.ts"]
