"""Shared fixtures: a writable copy of the snapshots served on loopback, and a
helper that runs `rasid crawl` against it as a child process, as users do."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import settings

from crawler.demo.demo import copy_snapshots
from crawler.demo.replay import ReplayServer

# CI must give the same answer every run: there the property tests replay a fixed sequence of
# examples (the same families of input, found on developers' machines with fresh randomness).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
_SNAPSHOT_CORPUS = tomllib.loads((ROOT / "seeds" / "tools" / "corpus.toml").read_text(encoding="utf-8"))
# the articles of the offline snapshots: the five seed articles, the others of each site, and the
# reprints other sites took from them (seeds/tools/corpus.toml)
SNAPSHOT_ARTICLES = 5 + sum(len(v) for v in _SNAPSHOT_CORPUS["other"].values()) + len(_SNAPSHOT_CORPUS["reprint"])

# Clutter the seed documents show leaking into naive scrapes (../shared/seeds/README.md):
# none of it may reach a stored article's text.
CLUTTER = [
    "ليصلك المزيد", "اشترك بقناتنا", "العودة للخلف", "المصدر:", "الرئيسية /", "+ الخط -", "الخط -", "(Getty)",
    "اترك رد", "أخبار ذات صلة", "زر الذهاب إلى الأعلى", "آخر الأخبار", "لن يتم نشر عنوان بريدك", "شاهد أيضاً",
    "اترك تعليقاً", "الحقول الإلزامية", "اقرأ أيضاً", "مشاركة:", "فيسبوك", "واتساب", "جميع الحقوق محفوظة",
    "1 يونيو 2023", "1 حزيران 2023", "(مكتبه)", "الأكثر قراءة", "المزيد في", "تعرض أرواح سكان المنطقة",
]


@pytest.fixture
def snapshot_root(tmp_path) -> Path:
    return copy_snapshots(tmp_path / "snapshots")


@pytest.fixture
def replay(snapshot_root):
    with ReplayServer(snapshot_root) as server:
        yield server


def rows(db: Path, sql: str, params=()) -> list[dict]:
    """The rows of a query on a store, as dicts: what the tests read back."""
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def run_rasid(*args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
    """`rasid ARGS` in a child process, from the repository root."""
    result = subprocess.run([sys.executable, "-m", "crawler", *args], capture_output=True, text=True,
                            timeout=timeout, cwd=ROOT)
    if check and result.returncode != 0:
        raise AssertionError(f"rasid {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def installed(program: str, make_target: str) -> str:
    """The path of a program some tests need (redis-server, systemd-analyze). Without it they are
    skipped, except under CI=true, where `make test` installs it (`make TARGET`): there they fail."""
    path = shutil.which(program)
    if path is None:
        missing = f"{program} is not installed (`make {make_target}` installs it as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: required under CI=true")
        pytest.skip(missing)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_url_args(server: ReplayServer) -> list[str]:
    return [arg for key, url in server.base_urls.items() for arg in ("--base-url", f"{key}={url}")]
