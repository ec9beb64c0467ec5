# ISOK portal. `make run` serves it with demo data; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PACKAGES := kit accounts demo portal employers placements assessments candidates certificates competences reporting matching

.PHONY: run test lint format messages compile-messages bench clean

$(BIN)/isok: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(BIN)/isok
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

compile-messages: $(BIN)/isok
	$(BIN)/pybabel compile --statistics -d kit/locale -D messages

run: $(BIN)/isok compile-messages
	$(BIN)/isok db upgrade
	$(BIN)/isok keys generate --if-missing
	$(BIN)/isok demo seed --if-empty
	$(BIN)/isok serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Two workers (the e2e tests share one, see tests/conftest.py); TEST_WORKERS=0 runs in-process.
TEST_WORKERS ?= 2
test: $(VENV)/.dev compile-messages lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract every translatable string, then merge into each language's catalogue.
messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o kit/locale/messages.pot $(PACKAGES) templates
	$(BIN)/pybabel update -i kit/locale/messages.pot -d kit/locale -D messages

bench: $(VENV)/.dev
	$(BIN)/python bench/match_eval.py
	$(BIN)/python bench/match_speed.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/suggestions.py
	$(BIN)/python bench/credentials.py
	$(BIN)/python bench/certificate_pdf.py
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
