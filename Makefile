# The two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON_BIN ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Development defaults; production sets its own environment (see README).
DEV_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}
TEST_ENV := DJANGO_DEBUG=1 DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-not-secret}

.PHONY: run test lint format check serve install install-test install-dev clean

run: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py createcachetable
	$(DEV_ENV) $(PY) manage.py loaddata founding_2018
	@echo ""
	@echo "  ASCN Registry: http://$(HOST):$(PORT)/   (staff admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Create a staff login with:  $(PY) manage.py createsuperuser"
	@echo ""
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-test
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(VENV)/.installed
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# Production: gunicorn on PostgreSQL with DJANGO_ENV=production. The environment must hold
# DJANGO_SECRET_KEY, DATABASE_URL and the rest (README.md, Production); run
# `manage.py migrate` once per release before starting the app servers.
serve: $(VENV)/.installed
	DJANGO_ENV=production $(PY) manage.py collectstatic --no-input --verbosity 0
	DJANGO_ENV=production $(VENV)/bin/gunicorn ascn.wsgi --config ascn/gunicorn.conf.py
# Benchmarks on PostgreSQL (bench/cli.py): BENCH_DATABASE_URL names a database the run may drop
# and recreate (its name must start with ascn_bench). `bench` writes bench/results.md,
# `bench-quick` (small sizes, run by CI) writes bench/out/quick.md.
.PHONY: bench bench-quick
bench: $(VENV)/.installed-dev
	$(PY) -m bench

bench-quick: $(VENV)/.installed-dev
	$(PY) -m bench --quick

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON_BIN) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
