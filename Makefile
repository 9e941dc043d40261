# SayOnce: the two commands are `make run` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: setup run demo test lint typecheck imports bench package selftest clean

setup: $(STAMP) models/minilm/model.safetensors

# CPU torch first, pinned: it installs from local disk here, and a plain `torch` requirement
# with no torch installed would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,package]'
	touch $(STAMP)

models/minilm/model.safetensors: $(STAMP) models/manifest.json
	$(BIN)/sayonce models prepare

run: setup
	$(BIN)/sayonce run

demo: setup
	$(BIN)/sayonce demo

lint: setup
	$(BIN)/ruff check app tests scripts build_spec

typecheck: setup
	$(BIN)/mypy

imports: setup
	$(BIN)/lint-imports

test: setup lint typecheck imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: setup
	$(BIN)/sayonce bench

package: setup
	$(BIN)/python build_spec/build.py

selftest: setup
	$(BIN)/sayonce selftest

clean:
	rm -rf $(VENV) build dist models/minilm .pytest_cache .mypy_cache .ruff_cache
