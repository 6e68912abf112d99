# One command to run the app, one to run the tests; each sets up what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: run test check lint setup bench clean

# The app, with the teacher link printed first (python -m mnist_demo.web passes its options to streamlit run).
run: $(VENV)/.runtime
	$(BIN)/python -m mnist_demo.web

# Every test: what CI runs (.ci/run), Chromium and the real MNIST included (docs/testing.md).
test: lint
	$(BIN)/python -m pytest

# The loop after each change: lint, the engine, the CLI and the pages through AppTest; no browser, no real MNIST,
# no script or server, no GPU (docs/testing.md).
check: lint
	$(BIN)/python -m pytest -m "not browser and not real_data and not slow and not gpu"

lint: $(VENV)/.dev
	$(BIN)/ruff check .

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
