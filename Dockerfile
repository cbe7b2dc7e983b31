# syntax=docker/dockerfile:1

# The pipeline's two images, from one build (docs/deploy/compose.md):
#
#   docker build --target service -t cdc-pipeline:local .        the default target: replication reader, raw sink,
#                                                                 ops service, the `cdc` CLI, the migrations
#   docker build --target marts -t cdc-pipeline-marts:local .    the marts builder: the same files, plus dbt
#
# The service image runs the replication reader by default; compose and Kubernetes pick the others by command:
#   node dist/services/raw-sink/main.js | node dist/services/ops/server/main.js
#   node dist/services/ops/cli/main.js <command> | node dist/scripts/db/main.js migrate [--target core]
#
# What runs is the compiled JavaScript of `npm run build` (tsconfig.build.json: ESM, relative imports rewritten
# from .ts to .js), not TypeScript: no tsx, no compiler, no dev dependency in the images. /app/dist is laid out as
# the repository is: the code finds the files it reads at run time (node_modules/.bin/dbmate, db/migrations, the
# dashboard page, dbt/) relative to its own folder, two levels above lib/ and scripts/, which here is /app/dist. So
# those files go into /app/dist next to the compiled tree; /app/package.json makes the .js files ES modules.
#
# Base: Node.js 24 (LTS) on Debian 12 "bookworm", slim. Bookworm's Python is 3.11, the version the dbt pins of
# scripts/stack/python-requirements.txt were resolved for, so both images share one base. CI tests on Node 20
# (package.json engines: >=20.19); nothing here relies on a newer Node. Bump NODE_IMAGE to move both images.
ARG NODE_IMAGE=node:24-bookworm-slim

# Every dependency, dev included: the TypeScript compiler builds the services.
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: it installs the locked versions just the same, but npm 11 writes the lock file
# without the other platforms' optional binaries (dbmate's, biome's), which `npm ci` rejects as out of sync, and
# an arm64 build needs @dbmate/linux-arm64 (scripts/ensure-deps.mjs does the same). No dependency needs its
# install script, so none runs.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm install --ignore-scripts --no-audit --no-fund

# The compiled services (dist/), as `npm run build` makes them in CI.
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY connectors ./connectors
COPY lib ./lib
COPY services ./services
COPY scripts ./scripts
RUN npm run build

# Production dependencies only: the same tree, dev dependencies removed.
FROM deps AS prod-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# The application's files, assembled once for both images; owned by root, so the service user can read them and
# change none of them.
FROM scratch AS app
COPY package.json /app/
COPY --from=build /src/dist/ /app/dist/
COPY --from=prod-deps /src/node_modules /app/dist/node_modules
# Files the compiled code reads at run time that tsc does not emit: the dashboard page (uPlot comes from
# node_modules) and the migrations dbmate applies.
COPY services/ops/server/dashboard /app/dist/services/ops/server/dashboard
COPY db/migrations /app/dist/db/migrations
COPY db/core/migrations /app/dist/db/core/migrations

# What both runtime images share: the user, the environment, the stop signal.
FROM ${NODE_IMAGE} AS runtime
# A numeric, non-root user with a passwd entry (the CLI records the OS user when CDC_ACTOR is unset, and Python
# looks the user up); it owns no file. HOME is /tmp: with a read-only root filesystem, /tmp (a tmpfs in compose,
# an emptyDir in Kubernetes) is the only writable place, and nothing else is written.
RUN groupadd --system --gid 10001 cdc \
    && useradd --system --uid 10001 --gid cdc --home-dir /tmp --no-create-home --shell /usr/sbin/nologin cdc
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    HOME=/tmp
WORKDIR /app
# node runs as PID 1 without a shell in between: every service handles SIGTERM itself (stop intake, finish the
# batch, confirm or commit, exit 0). No HEALTHCHECK: the port differs per service; compose and Kubernetes probe
# /readyz and /healthz.
STOPSIGNAL SIGTERM

# A Python 3.11 virtual environment with dbt-core and dbt-postgres, at the versions the stack pins.
FROM ${NODE_IMAGE} AS dbt-venv
RUN apt-get update \
    && apt-get install --yes --no-install-recommends python3.11 python3.11-venv \
    && rm -rf /var/lib/apt/lists/*
COPY scripts/stack/python-requirements.txt /tmp/python-requirements.txt
# The file pins the whole resolved set (sqlfluff and its test tools too); as constraints, only dbt and what it
# needs get installed, each at its pinned version.
RUN python3.11 -m venv /opt/dbt-venv \
    && /opt/dbt-venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --constraint /tmp/python-requirements.txt dbt-core dbt-postgres

# The marts builder: runs `dbt build` from the venv against /app/dist/dbt. dbt writes its target/ and logs/ where
# the builder tells it (a fresh folder under /tmp per process), never into the project.
FROM runtime AS marts
RUN apt-get update \
    && apt-get install --yes --no-install-recommends python3.11 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=dbt-venv /opt/dbt-venv /opt/dbt-venv
COPY --from=app /app /app
COPY dbt /app/dist/dbt
ENV DBT_VENV=/opt/dbt-venv \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 9103
CMD ["node", "dist/services/marts-builder/main.js"]

# The services without dbt. Last, so a plain `docker build .` builds this one.
FROM runtime AS service
COPY --from=app /app /app
USER 10001:10001
EXPOSE 9100 9101 9102
CMD ["node", "dist/services/replication-reader/main.js"]
