# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

# Embedded defaults for the demo: SQLite, filesystem broker, no second factor, and debug
# off so a wrong address shows the clinic's own pages (static files from WhiteNoise).
RUN_ENV := DEBUG=false CLINIC_REQUIRE_MFA=false

# Test defaults: the real services on this machine, unless the caller set others.
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ketamine_clinic
export REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: bench bench-seed bench-measure run test lint format install migrate seed check-deploy clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)
	bin/dev-env

run: install
	mkdir -p var/log var/run
	env -u DATABASE_URL -u REDIS_URL $(RUN_ENV) $(PY) manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL $(RUN_ENV) $(PY) manage.py collectstatic --noinput -v0
	env -u DATABASE_URL -u REDIS_URL $(RUN_ENV) $(PY) manage.py seed_demo
	env -u DATABASE_URL -u REDIS_URL $(RUN_ENV) VENV=$(VENV) bin/run-embedded

test: install
	bin/ensure-test-services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=sqlite://:memory: SECRET_KEY=makemigrations-check $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks at clinic scale on PostgreSQL (a separate database, dropped and rebuilt):
# seeding, then page timings under gunicorn; figures in benchmarks/RESULTS.md.
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/clinic_bench
BENCH_ENV := DATABASE_URL=$(BENCH_DB) SECRET_KEY=bench-secret-key-not-for-production CLINIC_ENV_FILE=

bench: bench-seed bench-measure

bench-seed: install
	bin/ensure-test-services
	psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS clinic_bench" -c "CREATE DATABASE clinic_bench"
	mkdir -p benchmarks/output
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py seed_demo
	$(BENCH_ENV) $(PY) benchmarks/seed_scale.py | tee benchmarks/output/seed.log
	$(BENCH_ENV) $(PY) benchmarks/seed_ledger.py | tee benchmarks/output/seed-ledger.log

# Measure again on the seeded database (after a fix, without seeding for three minutes).
bench-measure: install
	uptime > benchmarks/output/load.txt
	$(BENCH_ENV) $(PY) benchmarks/pages.py > benchmarks/output/pages.json
	$(BENCH_ENV) LOG_LEVEL=WARNING $(PY) benchmarks/pdfs.py > benchmarks/output/pdfs.json
	$(BENCH_ENV) LOG_LEVEL=WARNING $(PY) benchmarks/report_files.py > benchmarks/output/report-files.json
	$(BENCH_ENV) LOG_LEVEL=WARNING $(PY) benchmarks/reminders.py | tee benchmarks/output/reminders.json
	$(BENCH_ENV) LOG_LEVEL=WARNING $(PY) benchmarks/explain.py > benchmarks/output/explain.json
	$(BENCH_ENV) LOG_LEVEL=WARNING $(PY) benchmarks/fhir_export.py > benchmarks/output/fhir_export.json
	uptime >> benchmarks/output/load.txt
	$(BENCH_ENV) $(PY) benchmarks/report.py

clean:
	rm -rf var/broker var/results test-artifacts
