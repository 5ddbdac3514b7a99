#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server for the test suite on 127.0.0.1:${MOMO_PG_PORT:-54329}.
# Installs Debian's postgresql package when no server binaries are found.
# Usage: scripts/postgres.sh start|stop|url
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${MOMO_PG_PORT:-54329}"
datadir="${MOMO_PG_DATA:-/tmp/django-momo-pg-$port}"
url="postgres://momo:momo@127.0.0.1:$port/momo"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

as_pg() {
  # PostgreSQL refuses to run as root: use the postgres system user then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  url) echo "$url" ;;
  stop)
    bin="$(find_bin)" || exit 0
    [ -d "$datadir" ] && as_pg "$bin/pg_ctl" -D "$datadir" -m fast stop >/dev/null 2>&1 || true
    ;;
  start)
    if ! bin="$(find_bin)"; then
      echo "installing PostgreSQL (Debian package)..." >&2
      export DEBIAN_FRONTEND=noninteractive
      sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
      $sudo_cmd apt-get update -qq >&2
      $sudo_cmd apt-get install -y -qq postgresql >&2
      bin="$(find_bin)"
    fi
    if as_pg "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q 2>/dev/null; then
      echo "$url"; exit 0
    fi
    if [ ! -f "$datadir/PG_VERSION" ]; then
      rm -rf "$datadir"; mkdir -p "$datadir"
      [ "$(id -u)" = 0 ] && chown postgres: "$datadir"
      pwfile="$(mktemp)"; echo momo > "$pwfile"; chmod 644 "$pwfile"
      as_pg "$bin/initdb" -D "$datadir" -U momo --pwfile="$pwfile" -A md5 --no-sync >/dev/null
      rm -f "$pwfile"
      cat >> "$datadir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$datadir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
    fi
    as_pg "$bin/pg_ctl" -D "$datadir" -l "$datadir/server.log" -w start >/dev/null
    PGPASSWORD=momo "$bin/psql" -h 127.0.0.1 -p "$port" -U momo -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='momo'" | grep -q 1 || \
      PGPASSWORD=momo "$bin/createdb" -h 127.0.0.1 -p "$port" -U momo momo
    echo "$url"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
