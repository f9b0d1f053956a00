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
	$(BIN)/ruff check canvas_sim tests benchmarks
	$(BIN)/ruff format --check canvas_sim tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy canvas_sim

unit: $(STAMP)
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) out build dist .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (not timed tests): figures beside same-run baselines, as ratios.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

.PHONY: bench
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/bench.py
