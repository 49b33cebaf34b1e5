# MotCua — the two commands of the quick start are `make run` and `make test`.
.PHONY: install run test lint test-sqlite test-postgres bench messages

PYTHON_BIN := .venv/bin
HOST ?= 127.0.0.1
PORT ?= 8000

install:
	@bash scripts/install.sh

## Install everything, create the SQLite database with the demo province, print the logins, serve.
run: install
	@mkdir -p var
	$(PYTHON_BIN)/motcua migrate --no-input -v 0
	$(PYTHON_BIN)/motcua demo
	$(PYTHON_BIN)/motcua runserver $(HOST):$(PORT)

## Install everything and run every check and test (SQLite, then PostgreSQL when it is reachable).
test: install
	@bash scripts/test.sh

lint: install
	$(PYTHON_BIN)/ruff check src tests benchmarks
	$(PYTHON_BIN)/mypy
	$(PYTHON_BIN)/lint-imports

bench: install
	$(PYTHON_BIN)/python benchmarks/run.py

messages: install
	cd src/motcua && ../../$(PYTHON_BIN)/motcua makemessages -l vi --no-obsolete
