# Områdesbild — quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The demo and the test suite use every optional part (web app, PDF, PostgreSQL, live fetch).
EXTRAS := dev,web,pdf,postgres,fetch

.PHONY: demo test lint typecheck bench clean

# Modules are compiled to bytecode once here, so that no command compiles them on import
# (nor, with PYTHONDONTWRITEBYTECODE set, on every import). The installers are told not to
# compile (pip would do it one file at a time, about half of its time) and an editable
# install leaves the package itself uncompiled: compileall does both on every core, leaving
# out the installed packages' own test folders, which nothing imports.
COMPILE := $(BIN)/python -m compileall -q -j 0 -x '/tests?/' src $(VENV)/lib
# The packages are installed by uv (installed into the environment first), which resolves,
# downloads and unpacks them several times faster than pip; where uv cannot be installed or
# fails, pip installs the same packages.
INSTALL := -e '.[$(EXTRAS)]'
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	($(BIN)/python -m pip install --quiet uv && $(BIN)/python -m uv pip install --quiet \
		--python $(BIN)/python $(INSTALL)) \
		|| $(BIN)/python -m pip install --quiet --no-compile $(INSTALL)
	$(COMPILE)
	touch $(STAMP)

# `make demo SERVE=1` then starts the web app on the synthetic city, with seeded example
# organisations, users, observations and interventions (logins are printed).
demo: $(STAMP)
	$(BIN)/omradesbild demo
	@if [ -n "$(SERVE)" ]; then $(BIN)/omradesbild serve --demo; fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# mypy checks on one core for most of a minute on a fresh clone: run before the tests it
# would leave the other core idle, so it runs beside them and its report follows theirs. At a
# lower priority it takes the time the test workers leave (waits on browsers and servers, the
# last module) rather than slowing them.
# The tests: whole modules per worker, the slowest first (see SLOW_FIRST in tests/conftest.py).
test: lint
	@log=$$(mktemp); \
	echo "$(BIN)/mypy (beside the tests, at a lower priority)"; nice -n 10 $(BIN)/mypy >"$$log" 2>&1 & typing=$$!; \
	echo "$(BIN)/pytest -n auto --dist loadscope --no-loadscope-reorder --durations=25"; \
	$(BIN)/pytest -n auto --dist loadscope --no-loadscope-reorder --durations=25; tested=$$?; \
	wait $$typing; typed=$$?; echo "mypy:"; cat "$$log"; rm -f "$$log"; \
	test $$tested -eq 0 && test $$typed -eq 0

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --no-compile -e '.[$(EXTRAS),bench]'
	$(COMPILE)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info omradesbild.duckdb
