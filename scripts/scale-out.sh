#!/usr/bin/env bash
# The scale-out deployment on one machine: a PostgreSQL database, two
# stateless `cardhost serve` instances sharing it (and one key store), and
# HAProxy in front, balancing round-robin and checking each instance's
# /health. Ctrl-C stops everything.
#
#   scripts/scale-out.sh [--instances N] [--port PORT] [--check]
#
# --check starts it all, makes one call of each kind through HAProxy (health,
# a token, an admin read on every instance in turn), and stops: what the test
# command runs to keep this example working.
# With CARDHOST_DATABASE_URL set (a postgres:// URL) it uses that database;
# otherwise it starts a throwaway PostgreSQL cluster (Debian's package,
# installed when missing) and removes it at the end. The key store and its
# development master key are made in a temporary folder unless
# CARDHOST_KEYS_FILE (and CARDHOST_MASTER_KEY or _FILE) are set.
set -euo pipefail
cd "$(dirname "$0")/.."

instances=2 port=8080 check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --instances) instances=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

. scripts/lib/postgres.sh
. scripts/lib/fleet.sh
work=$(mktemp -d /tmp/cardhost-fleet.XXXXXX)
cleanup() { stop_fleet; stop_postgres; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 0' INT TERM

bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/cardhost}
[ -n "${BIN:-}" ] || cargo build --release --locked -p cardhost
if [ -z "${CARDHOST_DATABASE_URL:-}" ]; then
  start_postgres on
  export CARDHOST_DATABASE_URL="$POSTGRES_URL"
fi
export CARDHOST_KEYS_FILE=${CARDHOST_KEYS_FILE:-$work/keys.json}

start_fleet "$bin" "$instances" "$port" "$work"
# The first start on a fresh database printed the admin's credentials.
cat "$work"/instance-*.log | grep -E 'ClientId|ClientSecret' || true
if [ "$check" = 1 ]; then
  proxy="http://127.0.0.1:$port"
  id=$(sed -n 's/^ClientId: //p' "$work/instance-1.log")
  secret=$(sed -n 's/^ClientSecret: //p' "$work/instance-1.log")
  token=$(curl -fs -X POST "$proxy/api/Auth/Token" -H 'Content-Type: application/json' \
    -d "{\"ClientId\":\"$id\",\"ClientSecret\":\"$secret\"}" | sed -n 's/.*"Token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "no token through HAProxy" >&2; exit 1; }
  for i in $(seq 1 "$instances"); do
    curl -fs -H "token: $token" "$proxy/api/Admin/ListJobs" | grep -q '"Result":0' ||
      { echo "ListJobs through HAProxy failed" >&2; exit 1; }
  done
  curl -fs "$proxy/health" | grep -q '"Database":"Ok"'
  echo "scale-out check: $instances instances behind HAProxy answered"
  exit 0
fi
cat <<TEXT

$instances instances behind HAProxy at http://127.0.0.1:$port
  instances:  ${instance_bases[*]}
  database:   $CARDHOST_DATABASE_URL
  logs:       $work/instance-*.log, $work/haproxy.log
Try:  curl http://127.0.0.1:$port/health
Ctrl-C stops them all.
TEXT
wait "${instance_pids[0]}"
