"""The systemd units shipped in deploy/systemd (DEPLOY.md): each is a unit systemd accepts
(`systemd-analyze verify`, where the tool is installed: `make test` installs it as root, and under
CI=true its absence fails), each says who runs it, where, how it restarts and where its logs go,
and each ExecStart is a command this Rasid has, with options it takes."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, installed

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
INSTALLED = "/srv/rasid/app/.venv/bin/rasid"  # where DEPLOY.md installs Rasid


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def test_one_host_has_units_for_the_daemon_and_the_web_view():
    assert {p.name for p in UNITS} >= {"rasid-daemon.service", "rasid-serve.service", "rasid-writer.service",
                                       "rasid-worker@.service"}


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_says_who_where_how_it_restarts_and_where_it_logs(path):
    service = unit(path)["Service"]
    assert service["User"] == "rasid" and service["WorkingDirectory"] == "/srv/rasid/app"
    assert service["Restart"] in ("on-failure", "always") and service["KillSignal"] == "SIGTERM"
    assert service["StandardOutput"] == service["StandardError"] == "journal" and service["SyslogIdentifier"]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_execstart_is_a_command_this_rasid_has(path):
    command = shlex.split(unit(path)["Service"]["ExecStart"])
    assert command[0] == INSTALLED
    manual = subprocess.run([sys.executable, "-m", "crawler", command[1], "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert manual.returncode == 0, manual.stderr
    for option in (w for w in command[1:] if w.startswith("--")):
        assert option in manual.stdout, f"{path.name}: rasid {command[1]} has no {option}"


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    tool = installed("systemd-analyze", "systemd")
    # verify checks that ExecStart's program exists: point the copies at this environment's rasid
    rasid = Path(sys.executable).parent / "rasid"
    assert rasid.exists(), rasid
    copies = []
    for path in UNITS:
        copy = tmp_path / path.name
        copy.write_text(path.read_text(encoding="utf-8").replace(INSTALLED, str(rasid)), encoding="utf-8")
        copies.append(str(copy))
    result = subprocess.run([tool, "verify", *copies], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr
