# My Care Record: the single entry point, locally and in CI.
#   make run    set everything up, start the real stack, load a demo region, serve
#   make test   lint + the whole test suite against the real stack (what CI runs)

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_PEOPLE ?= 1000
PYTEST_ARGS ?=
# Benchmark and soak runs at a tiny size (marker `bench`) belong to `make bench`, not `make test`.
NOT_BENCH := -m "not bench"

.PHONY: help install system-deps stack-up run down status test test-unit test-integration lint format bench clean

help:
	@echo "make run | test | test-unit | test-integration | lint | bench | status | down | clean"

system-deps:
	@bash deploy/local/install-system-packages.sh

$(INSTALLED): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: system-deps $(INSTALLED)

stack-up: install
	$(BIN)/mcr stack up

run: stack-up
	$(BIN)/mcr demo up --people $(DEMO_PEOPLE)

status: install
	-$(BIN)/mcr stack status
	-$(BIN)/mcr demo status

down:
	@if [ -x $(BIN)/mcr ]; then $(BIN)/mcr demo down; $(BIN)/mcr stack down; else echo "nothing installed"; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The test stack may run PostgreSQL without fsync (its data is thrown away); it never downgrades
# a durable server that `make run` started.
test test-integration: export MCR_POSTGRES_DURABLE := 0

test-unit: install
	$(BIN)/pytest tests/unit -q $(NOT_BENCH) $(PYTEST_ARGS)

test-integration: stack-up
	$(BIN)/pytest tests/integration -q $(NOT_BENCH) $(PYTEST_ARGS)

# Everything, in the order that fails fastest. The exit code is the truth. The unit tests need
# nothing running, so they run while the stack starts (it mostly waits on JVMs and downloads);
# the slowest tests are listed at the end, to see where CI's time goes.
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-unit stack-up
	$(BIN)/pytest tests/integration -q $(NOT_BENCH) --durations=15 $(PYTEST_ARGS)

# The benchmark (only) opens a PLAINTEXT listener to price TLS + SCRAM: its anonymous clients
# may touch mcr.bench.* topics and nothing else (docs/security.md). `make run` / `make test`
# restart Kafka without it.
bench: export MCR_KAFKA_BENCH_PLAINTEXT_PORT ?= 9094
# The tiny benchmark runs (the benchmarks' own tests) go first: a broken bench fails in minutes.
bench: stack-up
	$(BIN)/pytest tests -q -m bench $(PYTEST_ARGS)
	$(BIN)/mcr bench all --out docs/benchmarks.md --json-out bench-results/latest.json

clean: down
	rm -rf .run $(VENV)
