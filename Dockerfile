# syntax=docker/dockerfile:1
# Multi-stage build: compile with the full Rust toolchain, run on a slim Debian with only
# libpq (the PostgreSQL client library) and curl (for the health check) added.
#
# The build context is this folder as .dockerignore leaves it: cargo needs every target that
# Cargo.toml declares (tests and benches too), so nothing is picked by hand here.
# scripts/docker-context copies the same files, and scripts/test checks that they build.

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The built pages (frontend/dist) are committed, so the image needs no Node.
COPY . .
# The caches keep downloaded crates and compiled dependencies between builds; the binary is
# copied out of the cached target folder in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin coregroup \
 && install -m 0755 target/release/coregroup /usr/local/bin/coregroup

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 coregroup \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/coregroup --create-home \
        --shell /usr/sbin/nologin coregroup
COPY --from=build /usr/local/bin/coregroup /usr/local/bin/coregroup
# Numeric, so that a platform enforcing "run as non-root" can verify it.
USER 10001:10001
# An SQLite database (the default DATABASE_URL, sqlite://coregroup.db) lives here: mount a
# volume on it. On PostgreSQL nothing is written here.
WORKDIR /var/lib/coregroup
ENV COREGROUP_BIND=0.0.0.0:8080 \
    COREGROUP_LOG_FORMAT=json
EXPOSE 8080
# Ready means the database answers (/readyz); migrations at start can take a while after an
# upgrade, hence the start period. Change the port here if COREGROUP_BIND changes it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "2", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["coregroup"]
CMD ["serve"]
