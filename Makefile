# Quick start: `make run` (simulate the quickstart scenario) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/canvas-sim run scenarios/quickstart.yaml --to out/events.jsonl

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check simulator tests
	$(BIN)/ruff format --check simulator tests

typecheck: $(STAMP)
	$(BIN)/mypy simulator

unit: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) out build dist .pytest_cache .mypy_cache .ruff_cache
