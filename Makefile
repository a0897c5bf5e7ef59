# Two commands on a fresh machine: `make demo` and `make test`. Each installs into .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The CPU build of torch; pip takes it from the local wheel cache where one exists.
TORCH ?= torch==2.13.0
PYTEST_WORKERS ?= 2

.PHONY: install system-deps demo test test-fast lint clean serve wheelhouse docker-image docker-image-cuda lectures bench

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
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15

test-fast: install
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not slow"

# The grading server on this machine: SQLite under grader-data/, two local workers.
serve: install
	$(VENV)/bin/course serve --data grader-data

# The server's Docker image, built with no network from a wheelhouse. `make wheelhouse`
# needs a package index (run it where there is one and copy build/wheelhouse over);
# `make docker-image` then builds offline. See docker/README.md.
IMAGE ?= course-grader:latest
BASE_IMAGE ?= python:3.11-slim-bookworm
CUDA_IMAGE ?= course-grader:cuda
CUDA_BASE_IMAGE ?= $(BASE_IMAGE)
TORCH_CUDA ?= torch==2.14.1
WHEELHOUSE ?= build/wheelhouse
DOCKER_CONTEXT := build/docker-context

wheelhouse: $(WHEELHOUSE)/.complete

# Wheels only, chosen for the image's Python (Debian bookworm's is 3.11.2) and machine.
# pip download does not apply the target's full version to markers: redis needs
# async-timeout before Python 3.11.3, so it is listed here.
IMAGE_PYTHON ?= 3.11.2
IMAGE_ARCH ?= $(shell uname -m)
WHEELHOUSE_EXTRAS ?= async-timeout>=4.0.3

$(WHEELHOUSE)/.complete: pyproject.toml docker/requirements.py | install
	mkdir -p $(WHEELHOUSE)
	$(PY) docker/requirements.py > $(WHEELHOUSE)/requirements.txt
	$(PY) -m pip download --quiet --dest $(WHEELHOUSE) --only-binary=:all: \
		--python-version $(IMAGE_PYTHON) --implementation cp --abi cp311 \
		$(foreach p,manylinux_2_28 manylinux2014 linux,--platform $(p)_$(IMAGE_ARCH)) \
		"$(TORCH)" "$(WHEELHOUSE_EXTRAS)" -r $(WHEELHOUSE)/requirements.txt
	touch $@

docker-image: $(WHEELHOUSE)/.complete
	rm -rf $(DOCKER_CONTEXT) && mkdir -p $(DOCKER_CONTEXT)/wheels $(DOCKER_CONTEXT)/project
	cp -l $(WHEELHOUSE)/*.whl $(WHEELHOUSE)/requirements.txt $(DOCKER_CONTEXT)/wheels/
	$(PY) -m pip wheel --quiet --no-deps --no-index --no-build-isolation \
		--wheel-dir $(DOCKER_CONTEXT)/project .
	cp docker/Dockerfile course.yml $(DOCKER_CONTEXT)/
	docker build --build-arg BASE_IMAGE=$(BASE_IMAGE) -t $(IMAGE) $(DOCKER_CONTEXT)

docker-image-cuda:
	$(MAKE) docker-image TORCH="$(TORCH_CUDA)" WHEELHOUSE=build/wheelhouse-cuda BASE_IMAGE=$(CUDA_BASE_IMAGE) IMAGE=$(CUDA_IMAGE)

lint: install
	$(VENV)/bin/ruff check autograder solutions tests bench

# Grading speed beside nbgrader and otter-grader, on submissions planted from the references:
# bench/results/<date>.json, .md and plots. BENCH_SIZE=small for a run of a few minutes.
BENCH_SIZE ?= full
bench: install
	$(PY) -m bench.run --size $(BENCH_SIZE)

# The lecture notes as a static site in build/lectures/html (runs each lecture's code cells).
lectures: install
	$(VENV)/bin/course lectures build

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
