PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint typecheck demo bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check ocpi tests

typecheck: $(STAMP)
	$(BIN)/mypy ocpi

test: lint typecheck
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/ocpi info

clean:
	rm -rf $(VENV)
