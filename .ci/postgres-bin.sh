#!/usr/bin/env bash
# Prints the folder of the newest PostgreSQL server programs, installing Debian's postgresql
# first if there are none. Used by postgres.sh and replica.sh.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >/dev/null
fi
dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
