# Sun-SCORM: one process serving the web app, the SCORM player and the LRS. Multi-stage so that the compiler and
# dev dependencies stay in the build stage and the runtime image holds only what `node dist/server.js` needs.
# Not built on the project's machines (they have no Docker engine); see docker-compose.yml for a local stack.

# ---- build: install everything, compile TypeScript to dist/, then drop dev dependencies ----
FROM node:22-bookworm-slim AS build
WORKDIR /app
# Puppeteer must never fetch a browser of its own: the runtime image uses Debian's Chromium.
ENV PUPPETEER_SKIP_DOWNLOAD=true
# Lockfile first, so the dependency layer is cached until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci
# Everything else the build may read (.dockerignore keeps out node_modules, tests, local data).
COPY . .
RUN npm run build && npm prune --omit=dev

# ---- runtime ----
FROM node:22-bookworm-slim
# chromium + fonts-liberation: PDF export renders pages in headless Chromium, and PDFs need real fonts.
# tini: PID 1 that forwards SIGTERM (server.ts closes cleanly on it) and reaps Chromium's child processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation tini \
 && rm -rf /var/lib/apt/lists/*

# A dedicated unprivileged user; the code stays root-owned, so a compromised process cannot rewrite it.
RUN groupadd --system sunscorm \
 && useradd --system --gid sunscorm --create-home --home-dir /home/sunscorm --shell /usr/sbin/nologin sunscorm \
 && mkdir /data && chown sunscorm:sunscorm /data

WORKDIR /app
# src/paths.ts finds views/, public/, drizzle/ and package.json one level above dist/, i.e. here in /app.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/views ./views
COPY --from=build /app/public ./public
COPY --from=build /app/drizzle ./drizzle

# NODE_ENV=production makes SESSION_SECRET mandatory (the process exits 78 listing what is missing), turns demo
# seeding off by default and caches templates. HOST=0.0.0.0 because inside a container 127.0.0.1 is unreachable.
# DATA_DIR holds the embedded PGlite database (when DATABASE_URL is unset) and uploaded content.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CONTENT_PORT=3001 \
    DATA_DIR=/data \
    CHROMIUM_PATH=/usr/bin/chromium
# Declared after the chown above, so a fresh named volume starts out owned by the app user.
VOLUME /data

USER sunscorm
# 3000: the app; 3001: package content on its own origin (CONTENT_ORIGIN must point at it).
EXPOSE 3000 3001

# The slim image has no curl; Node has fetch. /health answers 503 when the database does not.
# start-period covers the first start of an embedded database (initdb takes a few seconds).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/server.js"]
