# Détente: `make run` serves the API on http://127.0.0.1:$${PORT:-8000}; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WEB_CONCURRENCY ?= 2

.PHONY: run test lint format schema fuzz bench bench-quick attack screenshots install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

# The SDK (sdk/) is installed editable on a plain path entry (compat mode), which mypy and
# editors follow.
$(VENV)/.installed-dev: pyproject.toml sdk/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--config-settings editable_mode=compat -e ./sdk
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed --if-empty
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn --config python:server.gunicorn_conf --bind 127.0.0.1:$(PORT) \
		--workers $(WEB_CONCURRENCY) --access-logfile -

test: install-dev
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/mypy --strict sdk/detente_client
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refreshes the curation guide's pictures from the browser walk.
screenshots: install-dev
	DETENTE_SCREENSHOTS=$(CURDIR)/docs/img/curation $(BIN)/pytest tests/e2e -q

fuzz: install-dev
	.ci/fuzz.sh

# On demand, not timed tests (bench/README.md). Reads: the API against a hand-written view and
# Datasette at 10k, 100k and 1M statements on SQLite and PostgreSQL; then 50 clients reading and
# writing for 60 s on PostgreSQL. bench-quick: reads at 10k on SQLite, printed only.
BENCH_READS := $(BIN)/python -m bench.run --workers 1,2 --rounds 3 --seconds 3

bench: install-dev
	$(BENCH_READS) --sizes 10000,100000,1000000 --databases sqlite,postgres \
		--results bench/RESULTS.md
	.ci/postgres.sh -- $(BIN)/python bench/load_writes.py --duration 60 --clients 50 \
		--workers 2 --results bench/RESULTS.md
	.ci/replica.sh -- $(BIN)/python -m bench.replica_reads --size 100000 --rounds 3 \
		--seconds 5 --results bench/RESULTS.md

bench-quick: install-dev
	$(BENCH_READS) --sizes 10000 --databases sqlite

# On demand, not in CI: bounded attacks (admin password guessing, a bad-token flood, slow
# clients, large nested writes, 20 s each) on a `make run`-like server over loopback, timing
# /healthz meanwhile; the figures are appended to bench/RESULTS.md.
attack: install-dev
	$(BIN)/python -m bench.attack --seconds 20 --results bench/RESULTS.md

schema: install-dev
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --format openapi-json \
		--file fixtures/openapi-v1.json

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
