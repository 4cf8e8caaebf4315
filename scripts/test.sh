#!/usr/bin/env bash
# Every check CI runs, in order: formatting, lints, then all tests — unit tests,
# the HTTP API suite on SQLite and the pages driven in a headless Chromium
# (installed here from Debian when missing), Schemathesis over the whole
# OpenAPI document against a live server (scripts/fuzz-api.sh, from PyPI in a
# virtualenv under target/), then the API suite again on a
# throwaway PostgreSQL cluster that this script starts and removes: once on
# one instance, once on two instances sharing the database with every API
# call sent to each in turn, as behind a load balancer; Schemathesis again
# with the server on that cluster; and last the
# scale-out example (scripts/scale-out.sh --check): real processes behind
# HAProxy, installed from Debian when missing.
#
#   scripts/test.sh            everything
#   SKIP_POSTGRES=1 scripts/test.sh   SQLite only
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# The overload tests hold about 5,000 idle sockets at once against the server.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

. scripts/lib/postgres.sh
trap stop_postgres EXIT

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  step "installing chromium and chromium-driver for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests on SQLite"
cargo test --workspace --locked

step "hostile input and the reference: Schemathesis over /openapi.json, every check but negative_data_rejection"
scripts/fuzz-api.sh 30

if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  step "API tests on PostgreSQL"
  start_postgres off # a test cluster that is thrown away needs no durability
  export CARDHOST_TEST_POSTGRES_URL="$POSTGRES_URL"
  cargo test --locked -p cardhost --test api

  step "API tests on two instances sharing one PostgreSQL database"
  CARDHOST_TEST_INSTANCES=2 cargo test --locked -p cardhost --test api

  # PostgreSQL refuses what SQLite stores (a NUL in text, say): a 500 that
  # only shows on this engine.
  step "hostile input on PostgreSQL: Schemathesis again, the server on a fresh database"
  "$pg_bin/psql" "$POSTGRES_URL" -qc "CREATE DATABASE fuzz"
  CARDHOST_DATABASE_URL="${POSTGRES_URL%/postgres}/fuzz" scripts/fuzz-api.sh 30

  step "the scale-out example: two cardhost processes behind HAProxy"
  (unset CARDHOST_TEST_POSTGRES_URL POSTGRES_URL
   BIN=${CARGO_TARGET_DIR:-target}/debug/cardhost scripts/scale-out.sh --check --port $((20000 + RANDOM % 12000)))
fi
