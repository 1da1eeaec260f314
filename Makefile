# The two commands: `make run` and `make test`. Everything else is a step they take.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python >= 3.11 on PATH (override with `make run PYTHON=/path/to/python3`).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export CONTINUITY_ADDR := $(HOST):$(PORT)
# Links in messages point at this server unless SITE_URL says otherwise.
export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: help run test install lint format clean

help:
	@echo "make run    set up everything and start web, worker and scheduler"
	@echo "make test   install test dependencies and run the whole suite"
	@echo "make lint   ruff check and ruff format --check"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Continuity needs Python 3.11 or newer on PATH." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	@echo
	@echo "  Continuity is starting on http://$(CONTINUITY_ADDR)/  (Ctrl-C stops web, worker and scheduler)"
	@echo
	$(BIN)/honcho start -f Procfile.dev

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
