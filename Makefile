# MotCua — the two commands of the quick start are `make run` and `make test`.
.PHONY: install run test lint test-sqlite test-postgres bench messages

PYTHON_BIN := .venv/bin
HOST ?= 127.0.0.1
PORT ?= 8000

install:
	@bash scripts/install.sh

## Install everything, create the SQLite database with the demo province and 3,000 demo dossiers, print the logins, serve.
run: install
	@mkdir -p var
	$(PYTHON_BIN)/motcua migrate --no-input -v 0
	$(PYTHON_BIN)/motcua demo
	@# Demo dossiers (once): worklists, alerts and dashboards have something to show (~25 s on SQLite).
	@$(PYTHON_BIN)/motcua shell -v 0 -c "import sys; from motcua.dossiers.models import Dossier; sys.exit(0 if Dossier.objects.exists() else 1)" \
	  || $(PYTHON_BIN)/motcua generate --dossiers 3000 --seed 2026
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
