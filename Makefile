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

.PHONY: setup demo test test-floors lint browser redis bench
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

# Debian's redis-server, for the cluster tests (a real Redis on a loopback port; the cluster itself
# runs against any Redis >= 6.2). Installed when missing and this user can; otherwise the cluster
# tests are skipped, except under CI=true, where they fail.
redis:
	@if command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing redis-server (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	else echo "note: redis-server missing and not root: the cluster tests will be skipped"; fi

demo: setup
	$(BIN)/rasid demo --db demo.db --replace

lint: setup
	$(BIN)/ruff check .

# The suite, then the crawl benchmark's quick mode as a smoke test: figures printed, not asserted.
test: lint browser redis
	$(BIN)/pytest
	$(BIN)/python benchmarks/bench_crawl.py --quick --json bench-crawl-quick.json

# The floors pyproject.toml states, proven: every dependency installed at its floor (.ci/floors.py
# writes the constraints) in a virtualenv of its own, and the unit tests run on them.
FLOORS_VENV ?= .venv-floors
test-floors:
	$(PYTHON) -m venv $(FLOORS_VENV)
	$(FLOORS_VENV)/bin/pip install --quiet --upgrade pip
	$(PYTHON) .ci/floors.py > $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/pip install --quiet -e '.[test]' -c $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/pytest -m "not slow" -q -p no:cacheprovider

# Every side-by-side benchmark of BENCHMARKS.md, full size (several minutes).
bench: setup
	$(BIN)/python benchmarks/bench_dates.py -n 10000
	$(BIN)/python benchmarks/bench_extract.py --repeat 7
	$(BIN)/python benchmarks/bench_crawl.py --json bench-crawl.json
	$(BIN)/python benchmarks/bench_warc.py --json bench-warc.json
