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

pg_dir=""
stop_postgres() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap stop_postgres EXIT

# initdb refuses to run as root, so a root shell runs the cluster as `postgres`.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

start_postgres() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    step "installing PostgreSQL (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  pg_dir=$(mktemp -d /tmp/cardhost-pg.XXXXXX)
  chmod 755 "$pg_dir"
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  local port=$((40000 + RANDOM % 20000))
  as_postgres "$pg_bin/initdb -D $pg_dir/data -A trust -U cardhost >/dev/null"
  # fsync off: a test cluster that is thrown away needs no durability.
  as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -l $pg_dir/log -w -o '-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=400' start" >/dev/null
  export CARDHOST_TEST_POSTGRES_URL="postgres://cardhost@127.0.0.1:$port/postgres"
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests on SQLite"
cargo test --workspace --locked

if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
  step "API tests on PostgreSQL"
  start_postgres
  cargo test --locked -p cardhost --test api
fi
