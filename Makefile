# Two commands matter: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint typecheck layers pytest install assets translations bench clean audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed translations

assets: node_modules/.installed

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d app/translations

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	JIXIAO_SCHEDULER=on $(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check app tests tools bench deploy config.py wsgi.py
	$(BIN)/ruff format --check app tests tools bench deploy config.py wsgi.py

typecheck: $(VENV)/.installed
	$(BIN)/mypy app config.py wsgi.py

layers: $(VENV)/.installed
	$(BIN)/python tools/check_layers.py

pytest: install
	$(BIN)/pytest -n 2 --dist loadgroup

test: lint typecheck layers pytest

# The dependency gate (SECURITY.md S21): fails on a known vulnerability or lxml/RestrictedPython
# below their floors; an unreachable advisory service only warns (AUDIT_FLAGS=--strict to fail).
audit: $(VENV)/.installed
	$(BIN)/python tools/dependency_audit.py $(AUDIT_FLAGS)

bench: install
	$(BIN)/python -m bench.engine

clean:
	rm -rf $(VENV) node_modules instance .mypy_cache .ruff_cache .pytest_cache
