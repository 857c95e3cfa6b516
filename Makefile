# Two commands set everything up: `make run` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: run test install lint bench bench-timers clean

$(STAMP): setup.cfg pyproject.toml package.json package-lock.json scripts/install-assets
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	./scripts/install-assets
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/sixgates run --demo --host 127.0.0.1 --port 5000

test: install
	./scripts/install-system-packages
	$(BIN)/lint-imports
	$(BIN)/ruff check engine web cli demo bench tests
	$(BIN)/pytest -q
	# PostgreSQL, with the in-process workflow cache off so every change reloads from the database
	SIXGATES_TEST_DB=postgresql SIXGATES_WORKFLOW_CACHE=0 $(BIN)/pytest -q tests/services tests/api tests/diagram

bench: install
	$(BIN)/python bench/engine.py

bench-timers: install
	$(BIN)/python bench/timers.py

clean:
	rm -rf $(VENV) instance *.egg-info node_modules web/static/vendor
