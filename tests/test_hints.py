"""Every command Rasid prints for the user to run runs as printed: each is taken from the output,
run from a folder of its own (relative paths as the user would have them), and must succeed."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, rows

pytestmark = pytest.mark.slow  # replay servers, crawls, the demo and a web server in child processes

# a command to run: `rasid ...` in backquotes, or after "with:" (or alone, indented) to the line's end
_PRINTED = re.compile(r"`(rasid [^`]+)`|(?:with: |^\s+)(rasid .+)$", re.M)


def printed(text: str) -> list[list[str]]:
    """The `rasid` commands a text tells the user to run, as argument lists."""
    return [shlex.split(m.group(1) or m.group(2)) for m in _PRINTED.finditer(text)]


def run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    assert command[0] == "rasid", command
    return subprocess.run([sys.executable, "-m", "crawler", *command[1:]], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def follow(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = run(command, cwd)
    assert result.returncode == 0, f"{shlex.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def replay(root: Path | None, cwd: Path) -> tuple[subprocess.Popen, str]:
    """`rasid replay serve` and what it printed before serving."""
    process = subprocess.Popen([sys.executable, "-m", "crawler", "replay", "serve",
                                *(["--root", str(root)] if root else [])], cwd=cwd, stdout=subprocess.PIPE,
                               text=True)
    lines = []
    for line in process.stdout:
        if line.startswith("serving until"):
            break
        lines.append(line)
    return process, "".join(lines)


def test_the_commands_replay_serve_prints_run(tmp_path):
    # the snapshots: sites of the list, one crawl; the discovery ground: sites no list has, each
    # added (a crawl of them answered `unknown site 'khaleej'`)
    for root, expected in ((None, ["crawl"]), (ROOT / "seeds" / "discovery", ["sites"] * 5)):
        cwd = tmp_path / (root.name if root else "snapshots")
        cwd.mkdir()
        server, said = replay(root, cwd)
        try:
            commands = printed(said)
            assert [c[1] for c in commands] == expected, said
            for command in commands:
                follow(command, cwd)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
        if root is None:  # the crawl stored every site of the snapshots in ./rasid.db
            assert len(rows(cwd / "rasid.db", "SELECT DISTINCT site FROM articles")) == 5


def test_the_crawl_sites_add_prints_runs_with_the_site_list_it_wrote(tmp_path):
    server, said = replay(ROOT / "seeds" / "discovery", tmp_path)
    try:
        url = re.search(r"^masr\s+(\S+)$", said, re.M).group(1)
        added = follow(["rasid", "sites", "add", url, "--key", "masr", "--write", "--sites-file", "my sites.toml"],
                       tmp_path)
        (crawl,) = printed(added.stdout)
        assert crawl[:2] == ["rasid", "crawl"] and "my sites.toml" in crawl
        follow(crawl, tmp_path)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    assert rows(tmp_path / "rasid.db", "SELECT count(*) AS n FROM articles WHERE site = 'masr'")[0]["n"] > 0


def test_from_no_store_to_the_demo_and_what_it_prints(tmp_path):
    # no store here: the message names how one is made; the demo then says how to browse and search it
    nothing = run(["rasid", "status"], tmp_path)
    assert nothing.returncode == 2 and "rasid demo makes the offline demo's in demo.db" in nothing.stderr
    demo = follow(["rasid", "demo"], tmp_path)
    # the default store is still missing, and the message says to add --db demo.db: that runs
    hint = run(["rasid", "status"], tmp_path)
    assert "add --db demo.db" in hint.stderr
    follow(["rasid", "status", "--db", "demo.db"], tmp_path)
    commands = printed(demo.stdout)
    assert sorted(c[1] for c in commands) == ["search", "serve"], demo.stdout
    for command in commands:
        if command[1] == "search":
            found = follow(command, tmp_path)
            assert "الكاظمي" in found.stdout and re.search(r"^[1-9]\d* results?$", found.stderr, re.M), found.stderr
        else:
            serve(command, tmp_path)


def serve(command: list[str], cwd: Path) -> None:
    """`rasid serve` as printed answers, and stops cleanly. The one change: a free port instead of
    8001, which another server on a shared machine may hold."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "crawler", *command[1:], "--port", str(port)], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # bounds a broken start only
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                assert process.poll() is None, process.communicate()
                time.sleep(0.1)
        assert "الكاظمي" in page
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert process.returncode == 0
