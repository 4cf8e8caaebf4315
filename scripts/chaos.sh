#!/usr/bin/env bash
# The long crash-safety run: payment load (sales, pre-sales with captures,
# refunds, voids, declines) against the real binary, killed with SIGKILL at
# random moments and restarted, then every order, balance and the ledger
# checked (crates/cardhost/tests/api/vpos/chaos.rs). First on SQLite, then on
# two instances sharing a throwaway PostgreSQL cluster, one of them killed
# at a time. The test command runs the same test with 3 kills.
#
#   scripts/chaos.sh [KILLS]     default 25
set -euo pipefail
cd "$(dirname "$0")/.."

kills=${1:-25}
. scripts/lib/postgres.sh
trap stop_postgres EXIT

run() {
  CARDHOST_CHAOS_KILLS=$kills cargo test --locked -p cardhost --test api \
    vpos::chaos -- --nocapture 2>&1 | grep -E '^chaos:|panicked|test result'
}

echo "== SQLite: $kills kills"
run
echo "== PostgreSQL, two instances: $kills kills"
start_postgres on
CARDHOST_TEST_POSTGRES_URL="$POSTGRES_URL" run
