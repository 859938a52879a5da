"""`rasid backup`: a copy of the store taken while a crawl writes to it is whole (integrity_check)
and holds every article committed before it began; an existing file is never overwritten unless
--force; every mistake is one line, exit 2, with nothing left at OUT."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from db.store import Store
from tests.conftest import ROOT, rows, run_rasid
from tests.factories import fetched, record
from tests.hostile import Answer
from tests.test_daemon import wait_for
from tests.test_reliability import Site, feed, url

PAGE = """<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>خبر رقم {n}</title></head>
<body><article><h1>خبر رقم {n}</h1><div class="date">2 آذار 2024 - 09:15</div>
<p>أعلنت مديرية المرور العامة في محافظة رقم {n} عن خطة جديدة لتنظيم حركة السير في الشوارع الرئيسية.</p>
<p>وقال مدير المرور إن الخطة رقم {n} تشمل نشر مفارز إضافية عند التقاطعات المزدحمة خلال ساعات الذروة.</p>
<p>ودعت المديرية السائقين إلى الالتزام بالتعليمات وتجنب الوقوف في الأماكن الممنوعة حفاظاً على انسيابية السير.</p>
</article></body></html>"""


@pytest.mark.slow
def test_a_backup_under_a_running_crawl_is_whole_and_holds_every_committed_article(tmp_path):
    site = Site(tmp_path, download_timeout="100s")
    crawl = None
    try:
        site.server.route("/rss.xml", feed([url(n) for n in range(1, 41)] + [url(99)]))
        for n in range(1, 41):
            site.server.route(f"/a/{n}.html", Answer(200, PAGE.format(n=n).encode()))
        site.server.route("/a/99.html", Answer(behaviour="hang"))  # the crawl runs until the test lets it end
        crawl = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "--quiet", "--config", str(site.config),
                                  "--db", str(site.db)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # observed, not timed: the crawl is running and has committed articles
        wait_for(lambda: site.db.exists() and rows(site.db, "SELECT status FROM crawls") == [{"status": "running"}]
                 and rows(site.db, "SELECT count(*) AS n FROM articles")[0]["n"] >= 10, 120, "committed articles")
        committed = {r["url"] for r in rows(site.db, "SELECT url FROM articles")}
        out = tmp_path / "backup.db"
        done = run_rasid("backup", str(out), "--db", str(site.db))
        # the crawl was running through the whole backup: it is still running now (a page still hangs)
        assert crawl.poll() is None and rows(site.db, "SELECT status FROM crawls") == [{"status": "running"}]
        assert f"backed up to {out}" in done.stdout and "integrity_check ok" in done.stdout
        assert rows(out, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        copied = {r["url"] for r in rows(out, "SELECT url FROM articles")}
        assert committed <= copied
        # each copied article is whole: its versions and its search row came with it
        assert not rows(out, "SELECT a.id FROM articles a WHERE a.versions != (SELECT count(*) FROM versions v "
                             "WHERE v.article_id = a.id) OR a.id NOT IN (SELECT article_id FROM articles_search)")
        assert not Path(f"{out}-wal").exists()  # one file: what is copied off the host is the whole store
    finally:
        site.server.close()  # the hanging page fails, and the crawl ends
        if crawl is not None:
            crawl.wait(timeout=120)
    # the copy is a store Rasid opens as it is (a restore is this file put in the store's place)
    status = run_rasid("status", "--db", str(out))
    assert status.stdout.startswith("site") and "\nhostile " in status.stdout


def _store(path: Path) -> Path:
    store = Store(path)
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    record(store, fetched("https://www.ina.iq/1.html", "نص خبر محفوظ في المخزن.", "خبر"))
    store.close()
    return path


def test_an_existing_file_is_refused_without_force_and_replaced_with_it(tmp_path):
    db, out = _store(tmp_path / "rasid.db"), tmp_path / "copy.db"
    out.write_bytes(b"an earlier backup")
    refused = CliRunner().invoke(main, ["backup", str(out), "--db", str(db)])
    assert refused.exit_code == 2 and refused.output.strip().splitlines() == [
        f"Error: {out} already exists: pass --force to overwrite it, or choose another name"]
    assert out.read_bytes() == b"an earlier backup"
    forced = CliRunner().invoke(main, ["backup", str(out), "--db", str(db), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "1 article, 1 version;" in forced.output
    assert rows(out, "SELECT title FROM articles") == [{"title": "خبر"}]
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_backup_mistakes_are_one_line_and_leave_nothing(tmp_path):
    db = _store(tmp_path / "rasid.db")
    garbage = tmp_path / "notes.db"
    garbage.write_text("not a store", encoding="utf-8")
    cases = {
        (str(tmp_path / "missing" / "copy.db"), str(db)): "folder",
        (str(tmp_path), str(db)): "is a folder",
        (str(tmp_path / "copy.db"), str(garbage)): "notes.db: cannot back up: file is not a database",
        (str(tmp_path / "copy.db"), str(tmp_path / "nowhere.db")): "nowhere.db: no such store",
        (str(db), str(db)): "that is the store itself",
    }
    for (out, store), expected in cases.items():
        result = CliRunner().invoke(main, ["backup", out, "--db", store, "--force"])
        assert result.exit_code == 2 and expected in result.output, (out, result.output)
        assert len(result.output.strip().splitlines()) == 1
    assert {p.name for p in tmp_path.iterdir()} <= {"notes.db", "rasid.db", "rasid.db-shm", "rasid.db-wal"}


def test_a_backup_neither_migrates_nor_changes_the_store(tmp_path):
    db = _store(tmp_path / "rasid.db")
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM _sqlite_migrations WHERE rowid = (SELECT max(rowid) FROM _sqlite_migrations)")
    conn.commit()
    conn.close()
    before = rows(db, "SELECT name FROM _sqlite_migrations ORDER BY rowid")
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "copy.db"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert rows(db, "SELECT name FROM _sqlite_migrations ORDER BY rowid") == before
    assert rows(tmp_path / "copy.db", "SELECT name FROM _sqlite_migrations ORDER BY rowid") == before


def test_a_backup_killed_midway_leaves_no_file_at_out(tmp_path):
    # SIGKILL before the rename: only the partial copy beside OUT can exist, never a partial OUT
    db = _store(tmp_path / "rasid.db")
    out = tmp_path / "copy.db"
    code = ("import os, signal, pathlib, db.backup as b; "
            "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL); "
            f"b.backup(pathlib.Path({str(db)!r}), pathlib.Path({str(out)!r}))")
    killed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists()
