#!/usr/bin/env bash
# Every check CI runs, in order: formatting, lints, then all tests — unit tests
# and the HTTP API suite on SQLite, then the API suite again on a throwaway
# PostgreSQL cluster that this script starts and removes.
#
#   scripts/test.sh            everything
#   SKIP_POSTGRES=1 scripts/test.sh   SQLite only
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

. scripts/lib/postgres.sh
trap stop_postgres EXIT

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests on SQLite"
cargo test --workspace --locked

if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  step "API tests on PostgreSQL"
  start_postgres off # a test cluster that is thrown away needs no durability
  export CARDHOST_TEST_POSTGRES_URL="$POSTGRES_URL"
  cargo test --locked -p cardhost --test api
fi
