# tollgate service image. Not built on the project's machines (no Docker engine there); kept for
# people who have Docker. Build: docker compose build (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dashboard ./dashboard
COPY scripts/build-dashboard.mjs ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY cql ./cql
COPY rules ./rules
COPY bin ./bin
# Envoy's rate limit protos, read at run time by the gRPC service (src/grpc/).
COPY proto ./proto
USER node
EXPOSE 8080 8081
CMD ["node", "dist/main.js"]
