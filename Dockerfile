# syntax=docker/dockerfile:1
# Multi-stage build: compile with the full Rust toolchain, run on a slim Debian with only
# libpq (the PostgreSQL client library) added.

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY data ./data
# The built pages are committed, so the image needs no Node.
COPY frontend/dist ./frontend/dist
COPY frontend/templates ./frontend/templates
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/coregroup --create-home coregroup
COPY --from=build /src/target/release/coregroup /usr/local/bin/coregroup
USER coregroup
WORKDIR /var/lib/coregroup
ENV COREGROUP_BIND=0.0.0.0:8080 \
    COREGROUP_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["coregroup"]
CMD ["serve"]
