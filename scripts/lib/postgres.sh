# A throwaway PostgreSQL cluster for tests and benchmarks, sourced by the scripts
# next to this folder. `start_postgres on|off` (fsync) installs the Debian package
# when it is missing, starts a cluster on a random port and exports POSTGRES_URL;
# `stop_postgres` removes it (the caller traps it on EXIT).

pg_dir=""

# initdb refuses to run as root, so a root shell runs the cluster as `postgres`.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi
}

start_postgres() {
  local fsync=${1:-off}
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing PostgreSQL (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pg_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  pg_dir=$(mktemp -d /tmp/cardhost-pg.XXXXXX)
  chmod 755 "$pg_dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
  as_postgres "$pg_bin/initdb -D $pg_dir/data -A trust -U cardhost >/dev/null"
  # A random port may be taken (by an outgoing connection, say): try another.
  local port tries
  for tries in 1 2 3 4 5; do
    port=$((40000 + RANDOM % 20000))
    if as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -l $pg_dir/log -w -o '-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=400 -c shared_buffers=512MB' start" >/dev/null; then
      export POSTGRES_URL="postgres://cardhost@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  cat "$pg_dir/log" >&2
  return 1
}

stop_postgres() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
