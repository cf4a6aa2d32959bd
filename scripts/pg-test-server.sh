#!/usr/bin/env bash
# A throwaway PostgreSQL server for the study-storage tests: `start DIR PORT` makes a cluster in DIR
# (initdb, trust auth on loopback only), starts it on 127.0.0.1:PORT and prints its URL;
# `stop DIR` stops it. PostgreSQL refuses to run as root, so as root the server runs as the
# `postgres` user (created by Debian's package) and DIR is handed to that user (so DIR must be
# reachable by it: not inside a private temp dir).
set -euo pipefail
cmd="${1:?usage: pg-test-server.sh start DIR PORT | stop DIR}"
dir="${2:?missing DIR}"
# Debian keeps the server programs out of PATH, one directory per major version
bin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bin="$d"; done
[ -n "$bin" ] || bin="$(dirname "$(command -v pg_ctl)")"
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}
case "$cmd" in
  start)
    port="${3:?missing PORT}"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U l2mac --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null
    echo "postgresql://l2mac@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
