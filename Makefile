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

.PHONY: setup demo test lint browser
setup: $(BIN)/rasid

# Debian's chromium and chromedriver, for the test that checks Arabic renders right-to-left in
# `rasid serve`. Installed when missing and this user can (root with apt-get); otherwise that one
# test is skipped, except under CI=true, where it fails.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and chromium-driver (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "note: chromium/chromedriver missing and not root: the browser test will be skipped"; fi

demo: setup
	$(BIN)/rasid demo --db demo.db --replace

lint: setup
	$(BIN)/ruff check .

test: lint browser
	$(BIN)/pytest
