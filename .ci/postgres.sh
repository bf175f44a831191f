#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a free loopback port and runs the command given after
# `--` with DATABASE_URL pointing at it; the cluster is stopped and removed afterwards.
#   .ci/postgres.sh -- make test
set -euo pipefail

bin=$("$(dirname "$0")/postgres-bin.sh")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d /tmp/detente-pg.XXXXXX)
chown postgres:postgres "$data"

stop() {
    su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$data/cluster' -m fast -w stop" >/dev/null 2>&1 || true
    rm -rf "$data"
}
trap stop EXIT

su postgres -s /bin/sh -c "'$bin/initdb' -D '$data/cluster' --auth=trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
su postgres -s /bin/sh -c "'$bin/pg_ctl' -D '$data/cluster' -l '$data/server.log' \
    -o \"-c listen_addresses=127.0.0.1 -p $port -k '$data' -c fsync=off -c full_page_writes=off\" -w start" >/dev/null
su postgres -s /bin/sh -c "'$bin/createdb' -h 127.0.0.1 -p $port -U postgres detente"

[ "${1:-}" = "--" ] && shift
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
DATABASE_URL="postgres://postgres@127.0.0.1:$port/detente" "$@"
