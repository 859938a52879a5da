"""Imports run one way: extract ← db ← monitor ← spiders / web ← crawler. A module may import
its own package and the packages below it, never one above: the change rules are tested without
SQLite, extraction without a store, and nothing low-level drags the crawl framework in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# each package and the packages it may import
ALLOWED = {
    "extract": set(),
    "db": {"extract"},
    "monitor": {"extract", "db"},
    "spiders": {"extract", "db", "monitor"},
    "web": {"extract", "monitor"},
    "crawler": {"extract", "db", "monitor", "spiders", "web"},
}


def imported_packages(path: Path) -> set[str]:
    """Our top-level packages that a module imports, anywhere in it (function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_module_imports_upward(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        above = imported_packages(path) - ALLOWED[package] - {package}
        if above:
            wrong[str(path.relative_to(ROOT))] = sorted(above)
    assert wrong == {}


def test_the_rules_of_the_monitor_need_no_database_and_no_crawler():
    for name in ("changes.py", "diff.py", "schedule.py"):
        assert imported_packages(ROOT / "monitor" / name) <= {"extract", "monitor"}, name


def test_the_layer_map_covers_every_package():
    # seeds/ is data (the site list, snapshots) and the scripts that build it, not a layer of the product
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "seeds"}
    assert packages == set(ALLOWED)
