# CityHub: `make up` runs the whole platform here, `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: up test lint bench install clean

$(BIN)/cityhub: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/cityhub

up: install
	PATH=$(CURDIR)/$(BIN):$$PATH deploy/local-up.sh

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m tests.suites

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench.journey --rate 100 --duration 60

clean:
	rm -rf var .pytest_cache
