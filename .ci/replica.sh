#!/usr/bin/env bash
# Starts a throwaway PostgreSQL primary and a streaming replica of it (pg_basebackup -R) on free
# loopback ports, runs the command given after `--` with their addresses, and removes both after.
#   .ci/replica.sh -- .venv/bin/pytest tests/replicas
# The command gets DETENTE_TEST_PRIMARY_URL, DETENTE_TEST_REPLICA_URL, DETENTE_TEST_REPLICA_DATA
# (the replica's data folder) and DETENTE_TEST_PG_BIN, so that a test can pause, lag or stop the
# replica; it is the test that points the server at them (DATABASE_URL, DATABASE_REPLICA_URLS).
set -euo pipefail

bin=$("$(dirname "$0")/postgres-bin.sh")
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
primary_port=$(free_port)
replica_port=$(free_port)
data=$(mktemp -d /tmp/detente-replica.XXXXXX)
chown postgres:postgres "$data"
as_postgres() { su postgres -s /bin/sh -c "$1"; }

stop() {
    for cluster in replica primary; do
        as_postgres "'$bin/pg_ctl' -D '$data/$cluster' -m immediate -w stop" >/dev/null 2>&1 || true
    done
    rm -rf "$data"
}
trap stop EXIT

as_postgres "'$bin/initdb' -D '$data/primary' --auth=trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
echo "host replication postgres 127.0.0.1/32 trust" >> "$data/primary/pg_hba.conf"
as_postgres "'$bin/pg_ctl' -D '$data/primary' -l '$data/primary.log' \
    -o \"-c listen_addresses=127.0.0.1 -p $primary_port -k '$data' -c fsync=off \
    -c wal_level=replica -c max_wal_senders=4\" -w start" >/dev/null
as_postgres "'$bin/createdb' -h 127.0.0.1 -p $primary_port -U postgres detente"
as_postgres "'$bin/pg_basebackup' -h 127.0.0.1 -p $primary_port -U postgres -D '$data/replica' -R -X stream"
as_postgres "'$bin/pg_ctl' -D '$data/replica' -l '$data/replica.log' \
    -o \"-c listen_addresses=127.0.0.1 -p $replica_port -k '$data' -c hot_standby=on\" -w start" >/dev/null

[ "${1:-}" = "--" ] && shift
echo "PostgreSQL primary on 127.0.0.1:$primary_port, replica on 127.0.0.1:$replica_port"
DETENTE_TEST_PRIMARY_URL="postgres://postgres@127.0.0.1:$primary_port/detente" \
DETENTE_TEST_REPLICA_URL="postgres://postgres@127.0.0.1:$replica_port/detente" \
DETENTE_TEST_REPLICA_DATA="$data/replica" DETENTE_TEST_PG_BIN="$bin" \
DETENTE_TEST_REPLICA_PORT="$replica_port" DETENTE_TEST_PG_SOCKETS="$data" "$@"
