#!/usr/bin/env bash
# Approved on-us PaymentSales per second through the real HTTP API, measured by
# wrk (not by us), with GET /health measured in the same run for comparison.
#
#   scripts/bench.sh [--engine sqlite|postgres] [--cards N] [--seconds S]
#                    [--connections C] [--threads T] [--warmup W]
#                    [--instances N]
#
# Builds the release binary, seeds a fresh database (a merchant with a VPOS
# terminal and N funded cards), starts `cardhost serve`, runs wrk against
# /api/VPos/PaymentSale (a new OrderId every request, cards in turn) and then
# against /health, and reports throughput, latency percentiles, the
# authorizer's mean batch size, the server's peak memory (VmHWM), and per
# approved sale the CPU time and the time spent waiting for a core of the
# server's threads (and PostgreSQL's processes), from /proc's schedstat.
# The measured run follows W seconds (default 15) of the same load, not
# counted: the steady state of a host that has taken payments before. On
# PostgreSQL an ANALYZE follows the warm-up, as autovacuum's would within a
# minute: a fresh database's statements were planned on empty tables.
# PostgreSQL runs as a throwaway cluster with fsync on. BIN=path measures
# another build instead (to compare two commits run by run on a noisy machine).
# --instances N (PostgreSQL only) runs N instances on the one database behind
# HAProxy (scripts/lib/fleet.sh), and wrk sends both loads through HAProxy;
# the authorizer's numbers are summed over the instances.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=sqlite cards=20000 seconds=60 connections=64 threads=2 warmup=15 instances=0
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine=$2; shift 2 ;;
    --cards) cards=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$instances" -gt 0 ] && [ "$engine" != postgres ]; then
  echo "--instances needs --engine postgres: a SQLite file has one instance" >&2; exit 2
fi
. scripts/lib/postgres.sh
. scripts/lib/fleet.sh
work=$(mktemp -d /tmp/cardhost-bench.XXXXXX)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  stop_fleet
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT

for tool in wrk curl; do
  if ! command -v $tool >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool >/dev/null
  fi
done

bin=${BIN:-${CARGO_TARGET_DIR:-target}/release/cardhost}
[ -n "${BIN:-}" ] || cargo build --release --locked -p cardhost

case "$engine" in
  sqlite) export CARDHOST_DATABASE_URL="sqlite://$work/bench.db" ;;
  postgres) start_postgres on; export CARDHOST_DATABASE_URL="$POSTGRES_URL" ;;
  *) echo "--engine is sqlite or postgres" >&2; exit 2 ;;
esac
export CARDHOST_KEYS_FILE="$work/keys.json"
# Below the ephemeral range (32768 on), where outgoing connections take ports.
port=$((20000 + RANDOM % 12000))
export CARDHOST_LISTEN="127.0.0.1:$port"
base="http://127.0.0.1:$port"

echo "== seeding $cards cards ($engine)"
started=$(date +%s)
$bin seed --cards "$cards" --out "$work/cards.csv" >"$work/seed.env"
echo "seeded in $(( $(date +%s) - started )) s"
. "$work/seed.env"

if [ "$instances" -gt 0 ]; then
  unset CARDHOST_LISTEN
  start_fleet "$bin" "$instances" "$port" "$work"
  servers=("${instance_pids[@]}")
  metric_bases=("${instance_bases[@]}")
  echo "== $instances instances behind HAProxy"
else
  $bin serve >"$work/server.log" 2>&1 &
  server=$!
  wait_healthy "$base" || { cat "$work/server.log"; exit 1; }
  servers=("$server")
  metric_bases=("$base")
fi

token=$(curl -fs -X POST "$base/api/Auth/Token" -H 'Content-Type: application/json' \
  -d "{\"ClientId\":\"$VPOS_CLIENT_ID\",\"ClientSecret\":\"$VPOS_CLIENT_SECRET\"}" |
  sed -n 's/.*"Token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "no VPOS token" >&2; exit 1; }

sales() {
  CARDS="$work/cards.csv" TOKEN="$token" MERCHANT_NO="$MERCHANT_NO" TERMINAL_NO="$TERMINAL_NO" \
    wrk -t"$threads" -c"$connections" -d"$1s" --timeout 10s -s scripts/bench/sale.lua "$base"
}
if [ "$warmup" -gt 0 ]; then
  echo "== warm-up: $warmup s of the same load, not counted"
  sales "$warmup" >/dev/null
  if [ "$engine" = postgres ]; then psql -q "$POSTGRES_URL" -c ANALYZE; fi
fi

# A metric summed over the instances (the largest batch: the largest of them).
metric() {
  local b
  for b in "${metric_bases[@]}"; do curl -fs "$b/metrics"; done |
    awk -v m="$1" '$1 == m { if (m ~ /largest/) { if ($2 > v) v = $2 } else v += $2 } END { print v + 0 }'
}
# CPU time and time spent waiting for a core (ns), summed over the server's
# threads whose name starts with $1 ("" for all of them), or over every
# PostgreSQL process: where each side's time goes on a machine shared with wrk.
threads_sched() {
  local c=0 w=0 task a b
  for task in $(for pid in "${servers[@]}"; do echo /proc/$pid/task/*; done); do
    case "$(cat "$task/comm" 2>/dev/null)" in "$1"*) ;; *) continue ;; esac
    read -r a b _ <"$task/schedstat" 2>/dev/null || continue
    c=$((c + a)); w=$((w + b))
  done
  echo "$c $w"
}
postgres_sched() {
  local c=0 w=0 pid a b
  for pid in $(pgrep -x postgres); do
    read -r a b _ <"/proc/$pid/schedstat" 2>/dev/null || continue
    c=$((c + a)); w=$((w + b))
  done
  echo "$c $w"
}
# The machine's busy and idle time, then its stolen and total time
# (jiffies, /proc/stat): a VM's host may take its cores away.
machine_stat() { awk '/^cpu / { print $2+$3+$4+$7+$8, $5+$6 }' /proc/stat; }
stolen_stat() { awk '/^cpu / { print $9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat; }
cpu_groups="authorizer sqlx-sqlite tokio-rt"
sched_snapshot() {
  local g
  for g in $cpu_groups; do echo "$g $(threads_sched "$g")"; done
  echo "server $(threads_sched "")"
  [ "$engine" = postgres ] && echo "postgres $(postgres_sched)"
  echo "machine $(machine_stat)"
  echo "stolen $(stolen_stat)"
}
# Per approved sale: CPU and waiting for a core, by thread group; the
# machine's use of its cores over the run.
sched_report() {
  local approved=$1 g c0 w0 c1 w1
  [ "$approved" -gt 0 ] || return 0
  join <(sort "$work/sched.before") <(sort "$work/sched.after") >"$work/sched.both"
  while read -r g c0 w0 c1 w1; do
    case "$g" in
      machine) echo "machine: cores busy $(( 100 * (c1 - c0) / ((c1 - c0) + (w1 - w0) > 0 ? (c1 - c0) + (w1 - w0) : 1) )) % of the run" ;;
      stolen) echo "machine: time stolen by the VM's host $(( 100 * (c1 - c0) / (w1 - w0 > 0 ? w1 - w0 : 1) )) %" ;;
      *) [ $((c1 - c0 + w1 - w0)) -gt 0 ] && printf '%-12s cpu %5d us, waiting for a core %5d us, per approved sale\n' \
        "$g" $(( (c1 - c0) / 1000 / approved )) $(( (w1 - w0) / 1000 / approved )) ;;
    esac
  done < <(grep -v -e '^machine' -e '^stolen' "$work/sched.both"; grep -e '^machine' -e '^stolen' "$work/sched.both")
  return 0
}
phase() { metric "cardhost_authorizer_phase_microseconds_total{phase=\"$1\"}"; }
batches_before=$(metric cardhost_authorizer_batches_total)
decided_before=$(metric cardhost_authorizer_requests_total)
declare -A spent_before
for phase in load decide write commit; do spent_before[$phase]=$(phase $phase); done

echo "== PaymentSale: $connections connections, $threads wrk threads, $seconds s, $cards cards"
sched_snapshot >"$work/sched.before"
sales "$seconds" | tee "$work/sales.txt"
sched_snapshot >"$work/sched.after"

batches=$(( $(metric cardhost_authorizer_batches_total) - batches_before ))
decided=$(( $(metric cardhost_authorizer_requests_total) - decided_before ))
echo "authorizer batches $batches, requests $decided, mean batch $(( decided / (batches > 0 ? batches : 1) ))"
echo "largest batch     $(metric cardhost_authorizer_largest_batch)"
phases=""
for phase in load decide write commit; do
  spent=$(( $(phase $phase) - spent_before[$phase] ))
  phases="$phases $phase $(( spent / (decided > 0 ? decided : 1) )) us"
done
echo "authorizer per request:$phases"
for pid in "${servers[@]}"; do
  echo "peak memory       $(awk '/VmHWM/ { print $2, $3 }' /proc/$pid/status) (pid $pid)"
done
sched_report "$(awk '/^approved/ { print $2 }' "$work/sales.txt")"

echo "== GET /health: same server, $connections connections, 10 s"
wrk -t"$threads" -c"$connections" -d10s --latency "$base/health" | tee "$work/health.txt" |
  grep -E 'Requests/sec|Latency|50%|90%|99%'
sales=$(awk '/^approved/ { gsub(/[(\/s)]/, "", $3); print $3 }' "$work/sales.txt")
health=$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$work/health.txt")
echo "approved sales per /health answer: $sales / $health = $(( 100 * sales / (health > 0 ? health : 1) )) %"
