# One image for the api and the projector; docker-compose picks the command.
# Node.js 24, a current LTS line (20 reached its end of life in April 2026).
FROM node:24-bookworm-slim AS toolchain
WORKDIR /app
# better-sqlite3 compiles from source where no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npm run build

# Only what runs in production: no test servers, compilers or type packages.
FROM toolchain AS production-dependencies
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=production-dependencies /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
# The embedded default keeps its SQLite file under ./data: the unprivileged user must own it, or the image's own
# default (no environment) cannot start (the attack on issue 20, finding 20). Mount a volume there to keep it.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME /app/data
USER node
EXPOSE 8080
CMD ["node", "dist/apps/api/src/main.js"]
