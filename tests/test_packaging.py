"""The package builds without a warning from our own packaging, and ships its data."""

from __future__ import annotations

import subprocess
import sys
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
