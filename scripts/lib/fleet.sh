# Several `cardhost serve` instances on one database behind HAProxy, sourced
# by the scripts next to this folder. The caller exports the instances'
# shared settings (CARDHOST_DATABASE_URL, CARDHOST_KEYS_FILE, the master key)
# and traps `stop_fleet` on EXIT.
#
#   start_fleet BIN N PORT DIR   N instances on PORT+1…PORT+N, HAProxy on PORT
#   stop_fleet
# After start_fleet: instance_pids and instance_bases list the instances.

instance_pids=()
instance_bases=()
haproxy_pid=""

# HAProxy from Debian, when missing.
need_haproxy() {
  if ! command -v haproxy >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  fi
}

# Waits until $1/health answers 200: a child process coming up, not a test
# waiting for its subject.
wait_healthy() {
  local _
  for _ in $(seq 1 150); do
    curl -fs "$1/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$1 did not become healthy" >&2
  return 1
}

start_fleet() {
  local bin=$1 n=$2 port=$3 dir=$4 i p
  need_haproxy
  "$bin" migrate >"$dir/migrate.log" 2>&1 || { cat "$dir/migrate.log" >&2; return 1; }
  {
    echo "global"
    echo "  maxconn 4096"
    echo "defaults"
    echo "  mode http"
    echo "  timeout connect 5s"
    echo "  timeout client 60s"
    echo "  timeout server 60s"
    echo "  option http-keep-alive"
    echo "frontend api"
    echo "  bind 127.0.0.1:$port"
    echo "  default_backend cardhost"
    echo "backend cardhost"
    echo "  balance roundrobin"
    # An instance whose database is unreachable answers /health with 503 and
    # is taken out of rotation within two checks.
    echo "  option httpchk GET /health"
    echo "  http-check expect status 200"
  } >"$dir/haproxy.cfg"
  for i in $(seq 1 "$n"); do
    p=$((port + i))
    CARDHOST_LISTEN="127.0.0.1:$p" "$bin" serve >"$dir/instance-$i.log" 2>&1 &
    instance_pids+=("$!")
    instance_bases+=("http://127.0.0.1:$p")
    echo "  server instance-$i 127.0.0.1:$p check inter 1s fall 2 rise 1" >>"$dir/haproxy.cfg"
    # One after another: the first start on a fresh database makes (and
    # prints) the admin client; the others find it.
    wait_healthy "http://127.0.0.1:$p" || { cat "$dir/instance-$i.log" >&2; return 1; }
  done
  haproxy -f "$dir/haproxy.cfg" -db >"$dir/haproxy.log" 2>&1 &
  haproxy_pid=$!
  wait_healthy "http://127.0.0.1:$port" || { cat "$dir/haproxy.log" >&2; return 1; }
}

stop_fleet() {
  local pid
  if [ -n "$haproxy_pid" ]; then kill "$haproxy_pid" 2>/dev/null || true; fi
  for pid in "${instance_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${instance_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  instance_pids=()
  haproxy_pid=""
}
