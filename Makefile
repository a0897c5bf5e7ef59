# Two commands on a fresh machine: `make demo` and `make test`. Each installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The CPU build of torch; pip takes it from the local wheel cache where one exists.
TORCH ?= torch==2.13.0
PYTEST_WORKERS ?= 2

.PHONY: install system-deps demo test test-fast lint clean lectures

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Debian packages the tests start for real (.ci/apt-packages); installed only where missing.
APT_PACKAGES = $(shell grep -v '^\#' .ci/apt-packages)
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Correct submissions and typical mistakes, graded against the hidden references.
EXAMPLES := tests/submissions
demo: install
	$(VENV)/bin/course list
	$(VENV)/bin/course grade -a a1-activations $(addprefix $(EXAMPLES)/a1-activations/,correct_naive.py bug_exp_ratio.py)
	$(VENV)/bin/course grade -a a2-optimization $(addprefix $(EXAMPLES)/a2-optimization/,correct_vectorised.py bug_adam_eps_inside_sqrt.py bug_dropout_global_random.py)
	$(VENV)/bin/course grade -a a3-detection $(addprefix $(EXAMPLES)/a3-detection/,correct_vectorised.py bug_nms_cpu_indices.py)
	$(VENV)/bin/course grade -a a4-triplet-loss $(addprefix $(EXAMPLES)/a4-triplet-loss/,correct_vectorised.py bug_bh_mask_multiply_min.py)
	$(VENV)/bin/course grade -a a5-sequence-models $(addprefix $(EXAMPLES)/a5-sequence-models/,correct_counter.py bug_mp_sum_over_references.py bug_bs_normalised_during_search.py)

test: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --durations=15

test-fast: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m "not slow"

lint: install
	$(VENV)/bin/ruff check autograder solutions tests

# The lecture notes as a static site in build/lectures/html (runs each lecture's code cells).
lectures: install
	$(VENV)/bin/course lectures build

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
