# Two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run start test venv migrate lint format lock worker bench bench-scale bench-outreach clean

# The venv is rebuilt whenever the lock file changes.
$(STAMP): requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Coalition needs Python 3.11; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

migrate: $(STAMP)
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input

# The demo: an invented coalition, served with its worker and scheduler.
run: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve 127.0.0.1:8000

# A real coalition, starting empty in its own SQLite file: the first start
# prints a one-time setup link. Its task queue and beat schedule are its own
# too (var/coalition/), so nothing queued for the demo ever runs against it.
REAL_DB ?= var/coalition.sqlite3
start: $(STAMP)
	mkdir -p var
	SQLITE_PATH=$(REAL_DB) $(BIN)/python manage.py migrate --no-input
	SQLITE_PATH=$(REAL_DB) $(BIN)/python manage.py serve --state-dir var/coalition 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: $(STAMP)
	$(BIN)/celery -A coalition worker --loglevel=info

# Page speed under load, next to a trivial Django view (see bench/README.md).
# Pass options through, e.g. make bench BENCH_ARGS="--duration 5".
bench: $(STAMP)
	$(BIN)/python -m bench.pages $(BENCH_ARGS)

# The scale issue's benchmark: PostgreSQL with the scale data (seeded on the
# first run), a Celery worker on Redis and a local SMTP sink (bench/README.md).
SCALE_DB ?= postgres://postgres@127.0.0.1:5432/coalition_scale
BENCH_REDIS ?= redis://127.0.0.1:6379/5
bench-scale: $(STAMP)
	$(BIN)/python -m bench.pages --database-url $(SCALE_DB) --redis-url $(BENCH_REDIS) \
		--scale-data --worker --smtp $(BENCH_ARGS)

OUTREACH_DB ?= postgres://postgres@127.0.0.1:5432/coalition_outreach
bench-outreach: $(STAMP)
	$(BIN)/python -m bench.outreach --database-url $(OUTREACH_DB) --redis-url $(BENCH_REDIS) \
		--emails 10000 --workers 2 $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate both lock files from pyproject.toml (needs the network to PyPI).
lock:
	$(PYTHON) -m venv /tmp/coalition-lock
	/tmp/coalition-lock/bin/pip install --quiet pip-tools
	/tmp/coalition-lock/bin/pip-compile --quiet --generate-hashes --strip-extras -o requirements.lock pyproject.toml
	/tmp/coalition-lock/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache tests/e2e/artifacts
