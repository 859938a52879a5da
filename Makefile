# Every target sets up its own virtualenv first, so `make demo` and `make test`
# work on a fresh machine that has only Python 3.11+ and make.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/rasid: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/rasid

.PHONY: setup demo test lint
setup: $(BIN)/rasid

demo: setup
	$(BIN)/rasid demo --db demo.db --replace

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest
