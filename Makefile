# Two commands on a fresh machine: `make demo` and `make test`. Each installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The CPU build of torch; pip takes it from the local wheel cache where one exists.
TORCH ?= torch==2.13.0
PYTEST_WORKERS ?= 2

.PHONY: install demo test test-fast lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# A correct submission and typical mistakes, graded against the hidden references.
demo: install
	$(VENV)/bin/course list
	$(VENV)/bin/course grade -a a1-activations $(addprefix tests/submissions/a1-activations/,correct_naive.py bug_exp_ratio.py)

test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --durations=15

test-fast: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not slow"

lint: install
	$(VENV)/bin/ruff check autograder solutions tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
