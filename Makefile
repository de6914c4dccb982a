# Two commands for a new user: `make demo` (the main job) and `make test` (the test suite).
# Both create or reuse the virtual environment .venv and install the project from its own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-all bench-prior bench-vdae clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m vdae.cli demo

test: $(STAMP)
	$(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m ''

bench-prior: $(STAMP)
	$(PY) benchmarks/prior.py

bench-vdae: $(STAMP)
	$(PY) benchmarks/vdae_quality.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
