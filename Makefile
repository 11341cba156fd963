# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test test-package lint package smoke installer bench bench-quick bench-national clean screenshots

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

# The tests marked slow (long kill runs) are skipped unless PYTEST_ARGS=--run-slow (.ci/run).
# Two worker processes, a test file each at a time (its module fixtures are made once);
# PYTEST_WORKERS=0 runs everything in this one process.
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
# Compiled bytecode is kept under the venv (PYTHONPYCACHEPREFIX; none in the source tree), even
# where the environment says not to write any: each worker and every process a test starts
# (commands, kill-test writers) would otherwise compile the app's modules again.
test: $(TEST_STAMP)
	PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$(CURDIR)/$(VENV)/pycache" \
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "not package" \
		-n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The package targets are tasks.py's, so Windows (no make) runs the very same steps.
test-package: $(TEST_STAMP)
	$(BIN)/python tasks.py test-package

lint: $(TEST_STAMP)
	$(BIN)/ruff check escape_desktop tests benchmarks tasks.py
	$(BIN)/ruff format --check escape_desktop tests benchmarks tasks.py
	$(BIN)/mypy escape_desktop
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

# Every benchmark but the long national one, each target asserted (medians of alternated
# runs): exits non-zero when a target is missed. docs/performance.md says what each measures.
bench: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

# Every benchmark once, few repeats, no target enforced: so none can rot unnoticed (CI).
bench-quick: $(TEST_STAMP)
	ESCAPE_DESKTOP_BENCH_QUICK=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

# The national registry: 1,000 sites x 5 yearly uploads on SQLite and PostgreSQL, many
# minutes. `make bench` leaves it out; bench-quick runs a tiny one (20 sites x 20 rows).
bench-national: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks registry_national

package: $(TEST_STAMP)
	$(BIN)/python tasks.py package

smoke:
	$(BIN)/python tasks.py smoke

installer:
	$(BIN)/python tasks.py installer

clean:
	rm -rf $(VENV) build dist .pytest_cache tests/output benchmarks/output
