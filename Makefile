# Two commands for a fresh machine: `make demo` and `make test`. Nothing is installed globally.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint venv clean

$(BIN)/aleppo-map: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/aleppo-map

venv: $(BIN)/aleppo-map

demo: venv
	$(BIN)/aleppo-map render --out $(OUT)
	@echo "open $(OUT)/aleppo_control.html in a browser; frames are in $(OUT)/frames/"

lint: venv
	$(BIN)/ruff check src tests benchmarks && $(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(OUT) .pytest_cache
