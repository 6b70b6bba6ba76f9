# Outpost: build the TypeScript once, run the compiled JavaScript as the `node` user.
#
#   docker build -t outpost .
#   docker run --rm -p 127.0.0.1:3000:3000 -v outpost-data:/var/lib/outpost outpost
#
# Without DATABASE_URL the container uses the embedded PGlite database and the
# generated secret key in /var/lib/outpost: keep that directory on a volume.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile src/ to dist/ -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
COPY scripts/build-web.mjs ./scripts/
# tsc -p tsconfig.build.json: src/ -> dist/, entry point dist/server.js; then the
# dashboard: web/ -> dist/web/ (Vite)
RUN npm run build

# ---- runtime: production dependencies, dist/ and migrations/ ---------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force
# Layout the code expects at run time:
#   /app/package.json   read by dist/app.js as ../package.json (the version)
#   /app/dist/          the compiled service, and the dashboard in dist/web/
#   /app/migrations/    found by dist/db/client.js as ../../migrations
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
RUN mkdir -p /var/lib/outpost && chown node:node /var/lib/outpost

ENV NODE_ENV=production \
    OUTPOST_HTTP_ADDRESS=0.0.0.0:3000 \
    OUTPOST_DATA_DIR=/var/lib/outpost

USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
