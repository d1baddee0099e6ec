# Budget — make targets. `make help` lists them. Everything but the docker targets works
# without Docker: a virtual environment in .venv, SQLite by default, PostgreSQL/Redis when
# DATABASE_URL/REDIS_URL are set (in the environment or in .env).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(abspath $(VENV))/bin/python
MANAGE := cd backend && $(PY) manage.py
COMPOSE ?= docker compose
LOCAL := $(COMPOSE) -f docker-compose.yml -f docker-compose.local.yml
PROD := $(COMPOSE) -f docker-compose.yml -f docker-compose.prod.yml
STAMP := $(VENV)/.installed-stamp
# Where `make run` serves the API and the dashboard (the Procfile reads them).
API_PORT ?= 8000
DASHBOARD_PORT ?= 8501
export API_PORT DASHBOARD_PORT

# Settings may live in .env (the same file honcho reads for `make run`).
ifneq (,$(wildcard .env))
include .env
export
endif

.DEFAULT_GOAL := help
.PHONY: help install run test test-backend test-frontend lint format migrate makemigrations \
	seed clear rollup-check backup restore bench bench-load fuzz createsuperuser createdefaultsuperuser demo qcluster qmonitor qinfo qhealth \
	build up up-d down down-v logs build-prod up-prod down-prod

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements-dev.txt backend/requirements.txt frontend/requirements.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies (skipped when up to date)

run: install ## Migrate, create the demo account on first run, start API + worker + dashboard
	@command -v $${TESSERACT_CMD:-tesseract} >/dev/null || echo "NOTE: tesseract is not installed: receipt scanning answers 503 (attachments work). Install it: sudo apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu"
	$(MANAGE) migrate --noinput
	$(MANAGE) demo_user
	@echo "API:       http://127.0.0.1:$(API_PORT)/api/v1/docs"
	@echo "Dashboard: http://127.0.0.1:$(DASHBOARD_PORT)"
	$(VENV)/bin/honcho -f Procfile start

test: install test-backend test-frontend ## Run every test (SQLite, or PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)

test-backend: install
	cd backend && $(PY) -m pytest $(PYTEST_ARGS)

test-frontend: install
	cd frontend && $(PY) -m pytest $(PYTEST_ARGS)

lint: install ## ruff check, ruff format --check, migrations in step, compose files valid
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	bash scripts/check-compose.sh

format: install ## Format and auto-fix with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: install ## Apply database migrations
	$(MANAGE) migrate --noinput

makemigrations: install ## Create migrations for model changes
	$(MANAGE) makemigrations

createsuperuser: install ## Create a superuser interactively
	$(MANAGE) createsuperuser

createdefaultsuperuser: install ## Create a superuser from DJANGO_SUPERUSER_EMAIL/PASSWORD (defaults refused in production)
	$(MANAGE) createdefaultsuperuser

seed: install ## Seed the demo ledger with two years of data (ARGS="--transactions 100000" for more)
	$(MANAGE) seed $(ARGS)

clear: install ## Remove the demo ledger's data (ARGS="--all-demo" removes the account too)
	$(MANAGE) clear --yes $(ARGS)

rollup-check: install ## Compare every ledger's rollup with its rows (ARGS="--fix" rebuilds drifted ones)
	$(MANAGE) rollup_check $(ARGS)

backup: install ## Back up the whole database to backups/budget-<UTC time>.dump (PostgreSQL) or .sqlite3
	$(MANAGE) backup --dir $(abspath backups)

restore: install ## Replace the whole database with a backup: make restore FILE=backups/budget-….dump (ARGS=--yes skips the question)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/budget-<time>.<dump|sqlite3> [ARGS=--yes]"; exit 2; }
	$(MANAGE) restore --file $(abspath $(FILE)) $(ARGS)

bench: install ## Benchmarks on PostgreSQL + Redis at 127.0.0.1: money API, reports at 100k and 1M rows, dashboard pages, CSV and OFX import, CSV export, import-json memory, shared-expense groups, receipt scanning, the load benchmark
	cd backend && $(PY) bench/run_bench.py $(BENCH_ARGS)
	cd backend && $(PY) bench/run_reports_bench.py $(REPORTS_BENCH_ARGS)
	cd backend && $(PY) bench/run_dashboard_bench.py $(DASHBOARD_BENCH_ARGS)
	cd backend && $(PY) bench/run_import_bench.py $(IMPORT_BENCH_ARGS)
	cd backend && $(PY) bench/run_restore_bench.py $(RESTORE_BENCH_ARGS)
	cd backend && $(PY) bench/run_groups_bench.py $(GROUPS_BENCH_ARGS)
	cd backend && $(PY) bench/run_receipts_bench.py $(RECEIPTS_BENCH_ARGS)
	cd backend && $(PY) bench/run_load_bench.py $(LOAD_BENCH_ARGS)

bench-load: install ## Load benchmark: families' dashboard mix with locust against gunicorn (sync and gthread): req/s and p50/p95 per step, load average beside them
	cd backend && $(PY) bench/run_load_bench.py $(LOAD_BENCH_ARGS)

fuzz: install ## schemathesis over /api/v1/openapi.json against a live server: no 5xx, no undeclared status (FUZZ_EXAMPLES, FUZZ_SECONDS, FUZZ_DATABASE_URL)
	cd backend && $(PY) bench/run_fuzz.py $(FUZZ_ARGS)

demo: install ## Create the demo account (local only) and print its sign-in
	$(MANAGE) demo_user

qcluster: install ## Run a Django-Q2 worker cluster in the foreground
	$(MANAGE) qcluster

qmonitor: install ## Live monitor of the Django-Q2 clusters
	$(MANAGE) qmonitor

qinfo: install ## Django-Q2 cluster and queue summary
	$(MANAGE) qinfo

qhealth: install ## Exit non-zero unless the broker answers and a cluster is alive
	$(MANAGE) qhealth

build: ## docker: build the local images
	$(LOCAL) build

up: ## docker: start the local stack in the foreground
	$(LOCAL) up

up-d: ## docker: start the local stack in the background
	$(LOCAL) up -d

down: ## docker: stop the local stack
	$(LOCAL) down

down-v: ## docker: stop the local stack and delete its volumes
	$(LOCAL) down -v

logs: ## docker: follow the local stack's logs
	$(LOCAL) logs -f

build-prod: ## docker: build the production images
	$(PROD) build

up-prod: ## docker: build and start the production stack in the background
	$(PROD) up -d --build

down-prod: ## docker: stop the production stack
	$(PROD) down
