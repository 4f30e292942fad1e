# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript with the dev dependencies, ship only production ones.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# onnxruntime-node's install script would download CUDA files on Linux x64; its CPU binaries ship
# in the package. package.json's allowScripts denies the script (npm >= 11.16); the variable is the
# package's own switch, for the npm 10 this image bundles.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json app.ts server.ts ./
COPY plugins plugins
COPY routes routes
COPY services services
COPY schemas schemas
COPY scripts scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 GRPC_HOST=0.0.0.0 PORT=3000 GRPC_PORT=50051
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY proto proto
COPY models models
COPY web web
# The registry and the prediction log write under models/ and data/: owned by the runtime user.
RUN mkdir -p data && chown -R node:node models data
USER node
EXPOSE 3000 50051
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server.js"]
