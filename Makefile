# Newsroom: `make run` opens the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench loadtest lint venv clean package test-package

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/newsroom app

# Two workers: the suite's PostgreSQL tests use databases of their own, so they run side by side.
TEST_WORKERS ?= 2

# Tests that restart PostgreSQL run alone afterwards (exit 5 = none selected by PYTEST_ARGS).
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not pg_restart" $(PYTEST_ARGS)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m pg_restart $(PYTEST_ARGS) || [ $$? -eq 5 ]

# The in-process tests alone (no Qt, no PostgreSQL, no other processes): a few minutes.
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n $(TEST_WORKERS) -m fast $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Many laptops syncing with one PostgreSQL central (NEWSROOM_BENCH_PG or NEWSROOM_TEST_PG names
# the server): 50 processes for 10 minutes by default; LOADTEST_ARGS="--replicas 10 --seconds 60".
loadtest: $(STAMP)
	$(BIN)/python -m benchmarks.loadtest $(LOADTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check cms ui tests benchmarks
	$(BIN)/mypy

# The desktop application (packaging/README.md): dist/newsroom/ and its archive.
PACKAGE_STAMP := $(VENV)/.installed-package

$(PACKAGE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,dev,package]'
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/build.py

# Builds the package, then tests the built app, the wheel and the sdist (slow).
test-package: package
	NEWSROOM_PACKAGE_DIR=dist/newsroom QT_QPA_PLATFORM=offscreen \
		$(BIN)/python -m pytest tests/packaging -m slow $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
