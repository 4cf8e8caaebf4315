#!/usr/bin/env bash
# Hostile input and the reference's truth over the whole API: Schemathesis
# (from PyPI, in a virtualenv this script makes under target/) generates
# requests from /openapi.json (its examples, the schema's edges, then random
# data) against a live server with an admin token, on a fresh SQLite database
# (or the empty one CARDHOST_DATABASE_URL names: scripts/test.sh runs it on
# PostgreSQL too),
# and runs every check but negative_data_rejection: no server error, every
# status code, header, content type and body as documented, unsupported
# methods answered 405 with Allow, auth enforced. negative_data_rejection is
# left out because the contract answers a request that fails validation with
# HTTP 200 and `Result` 1.
#
#   scripts/fuzz-api.sh [EXAMPLES]    examples per operation, default 30
set -euo pipefail
cd "$(dirname "$0")/.."

examples=${1:-30}
version=4.32.5
venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ] || ! "$venv/bin/schemathesis" --version | grep -q "$version"; then
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$version"
fi

bin=${BIN:-${CARGO_TARGET_DIR:-target}/debug/cardhost}
[ -x "$bin" ] || cargo build --locked -p cardhost
bin=$(realpath "$bin")
work=$(mktemp -d /tmp/cardhost-fuzz.XXXXXX)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 12000))
base="http://127.0.0.1:$port"
(cd "$work" && CARDHOST_LISTEN="127.0.0.1:$port" CARDHOST_ADMIN_CLIENT_ID=fuzz-admin \
  CARDHOST_ADMIN_CLIENT_SECRET=fuzz-admin-secret-0123456789 exec "$bin" serve >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 100); do
  curl -fs "$base/health" >/dev/null 2>&1 && break
  sleep 0.1 # a child process coming up, not a test waiting for its subject
done
token=$(curl -fs -X POST "$base/api/Auth/Token" -H 'Content-Type: application/json' \
  -d '{"ClientId":"fuzz-admin","ClientSecret":"fuzz-admin-secret-0123456789"}' |
  sed -n 's/.*"Token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { cat "$work/server.log"; exit 1; }
"$venv/bin/schemathesis" run "$base/openapi.json" -H "token: $token" \
  --checks all --exclude-checks negative_data_rejection --max-examples "$examples" \
  --workers 1 # two workers trip a CPython 3.11 AST bug inside Hypothesis, not our server
