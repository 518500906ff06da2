# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the full toolchain.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY db ./db
COPY bench ./bench
COPY types ./types
RUN npm run build && npm prune --omit=dev

# Runtime stage: only production dependencies and the compiled output, as an unprivileged user.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    CALLBACK_ENV=production \
    CALLBACK_SKIP_SETUP=1 \
    CALLBACK_HTTP_HOST=0.0.0.0 \
    CALLBACK_SOCKET_SERVER_HOST=0.0.0.0
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY scripts/ensure-setup.cjs ./scripts/ensure-setup.cjs
COPY freeswitch-conf ./freeswitch-conf
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080 8084
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.CALLBACK_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# node itself as PID 1, not npm: docker stop's SIGTERM must reach the service's graceful stop
# (npm would pass it to a shell that dies and leaves the service running until SIGKILL). The V8
# flags are lib/service/node-flags.ts's.
CMD ["node", "--max-semi-space-size=64", "dist/lib/main.js"]
