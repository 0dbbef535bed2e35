# Two commands for a fresh machine: `make demo` and `make test`. Nothing is installed globally.
#
# Installs are pinned: `make demo` installs exactly requirements.lock (what the tool needs),
# `make test` exactly requirements-test.lock (the same plus the test tools), then the project
# itself with --no-deps. pyproject.toml keeps lower bounds only. To move the pins on purpose
# (a new dependency in pyproject.toml, or a newer version): `.venv/bin/pip install -U -e '.[test]'`
# (or `pip install -U NAME`), then `make lock` rewrites both files from the venv; commit them
# once `make test` passes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
OUT    ?= out

.PHONY: demo test lint notebook venv venv-test lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# $(1): the lock file to install
define install_locked
	$(PIP) install --quiet -r $(1)
	$(BIN)/python .ci/lock.py --check
	$(PIP) install --quiet --no-deps -e .
	$(PIP) check
endef

$(VENV)/.installed-runtime: requirements.lock pyproject.toml | $(BIN)/python
	$(call install_locked,requirements.lock)
	touch $@

$(VENV)/.installed-test: requirements-test.lock requirements.lock pyproject.toml | $(BIN)/python
	$(call install_locked,requirements-test.lock)
	touch $@ $(VENV)/.installed-runtime

venv: $(VENV)/.installed-runtime

venv-test: $(VENV)/.installed-test

demo: venv
	$(BIN)/aleppo-map render --out $(OUT) --overwrite
	@echo "open $(OUT)/aleppo_control.html in a browser; frames are in $(OUT)/frames/"

lint: venv-test
	$(BIN)/ruff check src tests benchmarks && $(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# Run notebooks/explore.ipynb top to bottom (the committed file carries no outputs); the
# executed copy is notebooks/explore.executed.ipynb (ignored by git), never the committed one.
notebook: venv-test
	$(BIN)/jupyter-execute notebooks/explore.ipynb --output=explore.executed
	@echo "executed notebook: notebooks/explore.executed.ipynb (open it with Jupyter)"

lock: | $(BIN)/python
	$(BIN)/python .ci/lock.py

clean:
	rm -rf .pytest_cache .ruff_cache .mypy_cache  # caches only: never a folder that may hold a user's files
