# Two commands for a new user: `make demo` (the main job) and `make test` (the test suite).
# `make docs` builds the site into docs/_build/html; `make lint` runs ruff.
# Both create or reuse the virtual environment .venv and install the project from its own files.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-all lint docs docs-clean bench-prior bench-vdae bench-noise bench-scale clean

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

lint: $(STAMP)
	$(PY) -m ruff check src tests experiments examples

# The site: API reference, user guide, the example gallery (executed; VDAE_DOCS_NOPLOT=1 skips
# running it), warnings as errors.
DOCS_STAMP := $(VENV)/.docs-installed
$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,docs]'
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

docs-clean:
	rm -rf docs/_build docs/auto_examples docs/generated docs/sg_execution_times.rst

bench-prior: $(STAMP)
	$(PY) experiments/benchmarks/prior.py

bench-vdae: $(STAMP)
	$(PY) experiments/benchmarks/vdae_quality.py

bench-noise: $(STAMP)
	$(PY) experiments/benchmarks/noise_spread.py

# Peers live in their own environments (see experiments/benchmarks/scale.py); absent ones are left out.
PEER_DATAFOLD ?= ../peer-datafold/bin/python
PEER_UMAP ?= ../peer-umap/bin/python
bench-scale: $(STAMP)
	$(PY) experiments/benchmarks/scale.py $(if $(wildcard $(PEER_DATAFOLD)),--datafold-python $(PEER_DATAFOLD)) \
		$(if $(wildcard $(PEER_UMAP)),--umap-python $(PEER_UMAP))

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache docs/_build docs/auto_examples docs/generated
