# Two commands do all the set-up on a fresh machine:
#   make demo   – virtual environment, install, migrate, demo data, mock insurer + hub on SQLite
#   make test   – the whole suite, on SQLite and on PostgreSQL, the portal UI's browser tests among it
#   make ui     – build the portal UI (npm ci + vite build into portal_ui/dist; a no-op when nothing changed)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: demo test bench lint clean ui chromium

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements.lock
	$(VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The portal UI: its OpenAPI types from the Python code, type-checked, built; cached by a
# stamp over package-lock.json, the sources and the OpenAPI document (scripts/build-ui).
ui: $(STAMP)
	PYTHON=$(VENV)/bin/python scripts/build-ui

# Debian's chromium for the browser tests (-m browser), installed when missing.
chromium:
	scripts/ensure-chromium

demo: $(STAMP) ui
	$(VENV)/bin/python -m adapter demo

test: $(STAMP) lint ui chromium
	scripts/ensure-postgres
	$(VENV)/bin/python -m pytest --databases=sqlite,postgres $(PYTEST_ARGS)

bench: $(STAMP)
	scripts/ensure-postgres
	$(VENV)/bin/python bench/inbound.py --db postgres
	$(VENV)/bin/python bench/outbound.py --db postgres
	$(VENV)/bin/python bench/risk_search.py

# ruff, mypy --strict and the import-layer contracts (pyproject.toml): a broken layer fails like a test.
lint: $(STAMP)
	$(VENV)/bin/ruff check adapter mock_insurer
	$(VENV)/bin/mypy adapter
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) var portal_ui/node_modules portal_ui/dist
