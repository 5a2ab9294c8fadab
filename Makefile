# TDBA — two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run web worker test lint format check bench bench-quick clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 est requis ($(PYTHON) introuvable)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Whole service: migrations, demo data, web on http://127.0.0.1:8000 + Celery worker (with beat). Ctrl-C stops both.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Tableau de bord de l'apprentissage : http://127.0.0.1:8000 (Ctrl-C pour arrêter)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A tdba worker --beat --loglevel=INFO --concurrency=2 & \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## The whole test suite (SQLite by default; PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set).
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint
	$(BIN)/python manage.py makemigrations --check --dry-run

## Benchmark of a national night (bench/, docs/performance.md): PostgreSQL + Redis + gunicorn + Celery, 127.0.0.1 only.
## Dedicated database and Redis DB by default (the database is dropped and recreated); override on the command line.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tdba_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/7
BENCH_ARGS ?=

bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python bench/run.py --records 1200000 --timeout 5400 $(BENCH_ARGS)

bench-quick: install
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python bench/run.py --records 50000 --timeout 900 $(BENCH_ARGS)

clean:
	rm -rf var db.sqlite3 staticfiles
