#!/usr/bin/env bash
# Fuzzes the API from its committed OpenAPI document with schemathesis: a gunicorn server on a
# throwaway SQLite database loaded with the article, once anonymous and once with a curator's
# token (writes included). A fixed seed and a bounded number of examples keep it reproducible.
#   .ci/fuzz.sh [MAX_EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-${FUZZ_EXAMPLES:-25}}
bin=.venv/bin
work=$(mktemp -d /tmp/detente-fuzz.XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite:///$work/db.sqlite3" DJANGO_STATIC_ROOT="$work/static"
# Its own request counts, not those of a server in this tree (`make run`).
export DETENTE_REQUEST_COUNTS="$work/request-counts.sqlite3"
# The fuzzer sends thousands of requests from one address; the rate limits are tested elsewhere.
export DETENTE_THROTTLE_ANON=1000000/minute DETENTE_THROTTLE_USER=1000000/minute

"$bin/python" manage.py migrate --noinput -v0
"$bin/python" manage.py seed -v0
token=$("$bin/python" manage.py createtoken fuzzer --curator --expires 1 2>/dev/null)
# gunicorn refuses request lines past 4 KiB with a plain 414 of its own; the fuzzer's long query
# strings are let through so that the application's own bounds on each parameter are what is tested.
"$bin/gunicorn" server.wsgi --bind "127.0.0.1:$port" --workers 2 --log-level warning \
    --limit-request-line 0 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

fuzz() {
    "$bin/schemathesis" run fixtures/openapi-v1.json \
        --url "http://127.0.0.1:$port" \
        --checks all \
        --phases examples,coverage,fuzzing,stateful \
        --max-examples "$examples" \
        --seed 20241130 \
        --generation-database none \
        --request-timeout 20 \
        "$@"
}
echo "Fuzzing anonymously ($examples examples an operation)"
fuzz
echo "Fuzzing as a curator, writes included"
fuzz --header "Authorization: Token $token"
