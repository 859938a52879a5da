# Every target sets up its own virtualenv first, so `make demo` and `make test`
# work on a fresh machine that has only Python 3.11+ and make.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

# `make setup`: what one host runs (an operator's install: no test tools, no cluster libraries).
$(BIN)/rasid: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/rasid

# The test tools and cluster mode's libraries, over it: what the suite needs (`make test`, `lint`, `bench`).
$(BIN)/pytest: $(BIN)/rasid
	$(BIN)/pip install --quiet -e '.[test,cluster]'
	touch $(BIN)/pytest

.PHONY: setup setup-cluster dev demo test test-plain test-floors lint browser redis systemd bench bench-quick
setup: $(BIN)/rasid
# a host of a cluster (DEPLOY.md): the cluster extra too
setup-cluster: setup
	$(BIN)/pip install --quiet -e '.[cluster]'
dev: $(BIN)/pytest

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

# Debian's systemd, for `systemd-analyze verify` of the units in deploy/systemd (nothing is started).
# Installed when missing and this user can; otherwise that test is skipped, except under CI=true.
systemd:
	@if command -v systemd-analyze >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing systemd (apt-get), for systemd-analyze"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; \
	else echo "note: systemd-analyze missing and not root: the units' verify test will be skipped"; fi

demo: setup
	$(BIN)/rasid demo --db demo.db --replace

lint: $(BIN)/pytest
	$(BIN)/ruff check .

# ruff and the whole suite (cluster tests included), pass or fail. Benchmarks are not in it: their
# figures on a shared machine are no verdict (`make bench-quick`, `make bench`).
# One pytest-xdist worker per core: the suite is CPU-bound (a third worker on two cores gained
# nothing). Tests go to whichever worker is free (loadgroup), except a module that shares a fixture
# (the reprint pairs' 2,000 extractions, a demo store) marks itself an xdist_group and stays on one
# worker, so that fixture is built once.
test: lint browser redis systemd
	$(BIN)/pytest -n auto --dist loadgroup

# The plain install an operator gets, proven: Rasid without extras in a fresh virtualenv of its own
# (not editable: what `pip install .` ships), no test tool, scipy or cluster library in it, and the
# offline demo run from outside the checkout. .ci/run runs it after `make test`.
PLAIN_VENV ?= .venv-plain
test-plain:
	rm -rf $(PLAIN_VENV)
	$(PYTHON) -m venv $(PLAIN_VENV)
	$(PLAIN_VENV)/bin/pip install --quiet --upgrade pip
	$(PLAIN_VENV)/bin/pip install --quiet .
	$(PYTHON) .ci/plain.py $(PLAIN_VENV)

# The floors pyproject.toml states, proven: every dependency installed at its floor (.ci/floors.py
# writes the constraints) in a virtualenv of its own, and the unit tests run on them.
FLOORS_VENV ?= .venv-floors
test-floors:
	$(PYTHON) -m venv $(FLOORS_VENV)
	$(FLOORS_VENV)/bin/pip install --quiet --upgrade pip
	$(PYTHON) .ci/floors.py > $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/pip install --quiet -e '.[test,cluster]' -c $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/pytest -m "not slow" -q -p no:cacheprovider

# The crawl benchmark's quick mode (about two minutes): figures printed beside their targets.
bench-quick: $(BIN)/pytest
	$(BIN)/python benchmarks/bench_crawl.py --quick --json bench-crawl-quick.json

# Every side-by-side benchmark of BENCHMARKS.md, full size (several minutes).
bench: $(BIN)/pytest
	$(BIN)/python benchmarks/bench_dates.py -n 10000
	$(BIN)/python benchmarks/bench_extract.py --repeat 7
	$(BIN)/python benchmarks/bench_crawl.py --json bench-crawl.json
	$(BIN)/python benchmarks/bench_warc.py --json bench-warc.json
