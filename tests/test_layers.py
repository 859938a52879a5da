"""Imports run one way: extract ← db ← monitor ← spiders / web ← crawler. A module may import
its own package and the packages below it, never one above: the change rules are tested without
SQLite, extraction without a store, and nothing low-level drags the crawl framework in.

Inside crawler/ too: net ← crawl ← cluster, archive, sites ← daemon ← the commands (cli.py and
the modules only commands use: report.py, extract_one.py, reextract.py, usertime.py, demo/;
scrapy_command.py, the settings of Scrapy's own commands)."""

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


# each part of crawler/ (a sub-package, or a module at its top) and the parts it may import
CRAWLER = {
    "net": set(),
    "crawl": {"net"},
    "cluster": {"net", "crawl"},
    "archive": {"net", "crawl"},
    "sites": {"net"},
    "daemon": {"net", "crawl", "cluster"},
    "report": set(),
    "extract_one": {"net"},
    "reextract": set(),
    "demo": {"crawl", "report"},
    "scrapy_command": {"crawl", "report"},
    "usertime": set(),
    "cli": {"net", "crawl", "cluster", "archive", "sites", "daemon", "report", "extract_one", "reextract", "demo",
            "usertime"},
    "__main__": {"cli"},
}


def imported_modules(path: Path) -> set[str]:
    """Every module a module imports, dotted, anywhere in it (function-level imports too); for
    `from a import b`, both a and a.b (b may be a module or a name in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def imported_packages(path: Path) -> set[str]:
    """Our top-level packages that a module imports."""
    return {name.split(".")[0] for name in imported_modules(path)} & set(ALLOWED)


def crawler_part(dotted: str) -> str | None:
    """The part of crawler/ a dotted module name is in (crawler.crawl.run -> crawl), or None."""
    parts = dotted.split(".")
    return parts[1] if parts[0] == "crawler" and len(parts) > 1 else None


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


def test_crawler_parts_import_one_way():
    wrong = {}
    for path in sorted((ROOT / "crawler").rglob("*.py")):
        relative = path.relative_to(ROOT / "crawler")
        part = relative.parts[0].removesuffix(".py")
        if part == "__init__":
            continue
        used = {crawler_part(name) for name in imported_modules(path)} - {None, part}
        if used - CRAWLER[part]:
            wrong[str(path.relative_to(ROOT))] = sorted(used - CRAWLER[part])
    assert wrong == {}


def test_the_crawler_map_covers_every_part_and_has_no_cycle():
    parts = {p.name.removesuffix(".py") for p in (ROOT / "crawler").iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").exists()) and p.name != "__init__.py"}
    assert parts == set(CRAWLER)
    # a topological order exists: repeatedly take the parts whose imports are all placed
    placed: set[str] = set()
    while len(placed) < len(CRAWLER):
        ready = {part for part, uses in CRAWLER.items() if part not in placed and uses <= placed}
        assert ready, f"a cycle among {sorted(set(CRAWLER) - placed)}"
        placed |= ready
