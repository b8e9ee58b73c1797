# Two entry points on a fresh machine: `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint bench install clean

# uv installs the project into the venv (about 80 s on a fresh machine, where pip took about
# three minutes); pip only bootstraps uv itself. --compile-bytecode, as pip does: where
# PYTHONDONTWRITEBYTECODE is set, nothing else ever writes the .pyc files, and every process
# would compile mlflow, pandas and the rest again (the suite ran 1.5x slower).
UV     := $(VENV)/bin/uv

$(STAMP): pyproject.toml scripts/system-deps.sh
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv
	$(UV) pip install -q --compile-bytecode --python $(PY) -e ".[dev]"
	bash scripts/system-deps.sh
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(UV) pip install -q --compile-bytecode --python $(PY) -e ".[demo]"
	$(VENV)/bin/govern demo

# Lint and types first (fail fast), then the suite.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy govern

test: lint
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) -m pytest -n 2 --dist loadgroup --durations=25 $(PYTEST_ARGS)

bench: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
