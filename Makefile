# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-package lint package bench clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,dev]"
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/escape-desktop

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "not package"

test-package: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,dev,package]"
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m package

lint: $(TEST_STAMP)
	$(BIN)/ruff check escape_desktop tests benchmarks
	$(BIN)/ruff format --check escape_desktop tests benchmarks
	$(BIN)/mypy escape_desktop

bench: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

package: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[package]"
	$(BIN)/pyinstaller --noconfirm --clean --distpath dist --workpath build packaging/escape-desktop.spec

clean:
	rm -rf $(VENV) build dist .pytest_cache tests/output benchmarks/output
