# One command to run the app, one to run the tests; each sets up what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: run test lint setup bench clean

# The app, with the teacher link printed first (python -m mnist_demo.web passes its options to streamlit run).
run: $(VENV)/.runtime
	$(BIN)/python -m mnist_demo.web

test: lint
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

setup: $(VENV)/.dev

bench: $(VENV)/.runtime
	$(BIN)/python -m mnist_demo bench

$(VENV)/.runtime: requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install $(PIP_FLAGS) --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt constraints.txt $(VENV)/.runtime
	$(BIN)/python -m pip install $(PIP_FLAGS) -r requirements-dev.txt -c constraints.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
