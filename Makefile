# One command to run the app, one to run the tests; each sets up what it needs first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: run test check lint setup bench messages clean

# The app, with the teacher link printed first (python -m mnist_demo.web passes its options to streamlit run).
run: $(VENV)/.runtime
	$(BIN)/python -m mnist_demo.web

# Every test: what CI runs (.ci/run), Chromium and the real MNIST included, on pytest-xdist workers (one more than
# the cores), each computing on one thread (docs/testing.md).
test: lint
	$(BIN)/python -m pytest -n auto --dist loadgroup

# The loop after each change: lint, the engine, the CLI and the pages through AppTest; no browser, no real MNIST,
# no script or server, no GPU (docs/testing.md).
check: lint
	$(BIN)/python -m pytest -m "not browser and not real_data and not slow and not gpu"

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

setup: $(VENV)/.dev

bench: $(VENV)/.runtime
	$(BIN)/python -m mnist_demo bench

# The translations (mnist_demo/web/i18n.py): the template from the message ids in the code, each language's
# catalogue brought up to date with it (a new id untranslated, a reworded one with its old translation marked fuzzy,
# which shows in English until someone checks it; gone ones dropped), and a check that each one compiles. The app
# compiles the .po in memory, so no .mo is written or kept.
LOCALE := mnist_demo/locale
KEYWORDS := --no-default-keywords -k N_ -k t -k tr -k tn:1,2
messages: $(VENV)/.runtime
	$(BIN)/pybabel extract $(KEYWORDS) --add-location=file --sort-by-file --width=120 --project=mnist-demo \
		--copyright-holder="mnist-demo contributors" -o $(LOCALE)/mnist_demo.pot mnist_demo app.py
	$(BIN)/pybabel update -D mnist_demo -i $(LOCALE)/mnist_demo.pot -d $(LOCALE) --width=120 --ignore-obsolete
	for po in $(LOCALE)/*/LC_MESSAGES/mnist_demo.po; do \
		$(BIN)/pybabel compile -D mnist_demo -i $$po -o /dev/null --statistics || exit 1; done

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
