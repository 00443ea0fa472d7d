PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck demo bench soak docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check ocpi tests tools

typecheck: $(STAMP)
	$(BIN)/mypy ocpi tools

test: lint typecheck
	$(BIN)/pytest -q

# One run of every benchmark on 127.0.0.1 (about 10 minutes on 2 cores): BENCH_ARGS=--quick for a smoke run,
# --postgres URL (or OCPI_TEST_POSTGRES_URL) adds PostgreSQL, --skip-peer leaves extrawest-ocpi out, --only NAME
# runs one benchmark (read, ingest, validation, push, outbound, busy_cpo).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# Mixed load on a node over PostgreSQL with two push worker processes (README "Soak test"): SOAK_SECONDS (180)
# long, on SOAK_POSTGRES_URL (emptied first; else OCPI_TEST_POSTGRES_URL). Not part of `make test`.
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak

# The documentation site (MkDocs) into site/; --strict: a broken link or a docstring warning fails the build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# A demo node on http://127.0.0.1:$(PORT) (PORT=8000 unless given: make demo PORT=8080).
PORT ?= 8000
demo: $(STAMP)
	$(BIN)/ocpi serve --demo --port $(PORT)

clean:
	rm -rf $(VENV)
