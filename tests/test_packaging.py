"""The package builds without a warning from our own packaging, and ships its data."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_the_wheel_builds_quietly_with_the_snapshots_and_without_the_tests(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
                             str(ROOT)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    # pip's own notes about the machine's index configuration are not ours; setuptools' are
    ours = [line for line in result.stderr.splitlines() if "Warning" in line or "deprecated" in line.lower()]
    assert not ours, "\n".join(ours)
    (wheel,) = tmp_path.glob("rasid-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "seeds/sites.toml" in names and "seeds/snapshots/ina/111563--.html" in names
    assert "crawler/cli.py" in names and not any(n.startswith("tests/") for n in names)


def _requirements() -> tuple[set[str], dict[str, set[str]]]:
    """The names pyproject.toml requires: of the plain install, and of each extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[<>=\[;\s]", r, maxsplit=1)[0].lower() for r in requirements}

    return names(project["dependencies"]), {k: names(v) for k, v in project["optional-dependencies"].items()}


def test_the_plain_install_carries_what_one_host_needs_and_no_more():
    # the operator's install: no test tools, no cluster libraries, no datasketch (scipy comes with it);
    # `make test-plain` installs it in a virtualenv of its own and runs the demo on it
    plain, extras = _requirements()
    assert plain.isdisjoint({"pytest", "hypothesis", "ruff", "selenium", "redis", "scrapy-redis", "datasketch",
                             "scipy"}), plain
    assert extras["cluster"] == {"redis", "scrapy-redis"}
    assert {"pytest", "hypothesis", "ruff", "selenium", "datasketch"} <= extras["test"]


def test_cluster_mode_without_its_extra_is_one_line_saying_how_to_add_it(tmp_path):
    # a plain install has neither redis-py nor scrapy-redis: every cluster command says so, exit 2
    config = tmp_path / "rasid.toml"
    config.write_text('[cluster]\nredis = "redis://127.0.0.1:1/0"\n', encoding="utf-8")
    commands = [["worker", "--redis", "redis://127.0.0.1:1/0"], ["writer", "--db", str(tmp_path / "r.db"),
                "--redis", "redis://127.0.0.1:1/0"], ["cluster", "status", "--config", str(config)],
                ["cluster", "crawl", "--config", str(config), "--db", str(tmp_path / "r.db")],
                ["daemon", "--config", str(config), "--db", str(tmp_path / "r.db")]]
    for command in commands:
        code = ("import sys; sys.modules['redis'] = sys.modules['scrapy_redis'] = None; "
                "from crawler.cli import main; main(sys.argv[1:], prog_name='rasid')")
        result = subprocess.run([sys.executable, "-c", code, *command], capture_output=True, text=True, cwd=ROOT,
                                timeout=120)
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.strip().splitlines() == [
            "Error: cluster mode needs Rasid's cluster extra (redis is not installed): make setup-cluster in Rasid's "
            "checkout (pip install -e '.[cluster]')"], (command, result.stderr)
    # and what it says to run is there
    dry = subprocess.run(["make", "-n", "setup-cluster"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert dry.returncode == 0 and "pip install --quiet -e '.[cluster]'" in dry.stdout, dry.stdout + dry.stderr
