"""Crashes and concurrency: SIGKILL at many points of a crawl, two crawls of one store at once,
and a store that runs out of space. After each, the store is whole: integrity, no partial
article, no duplicate version, no lost or doubled alert; and the next crawl completes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demo.demo import apply_demo_update, copy_snapshots
from crawler.demo.replay import ReplayServer
from monitor.reprints import BANDS
from tests.conftest import ROOT, SNAPSHOT_ARTICLES, base_url_args, rows, run_rasid
from tests.hooks import rasid, stop_after_pages
from tests.hostile import Answer
from tests.test_reliability import Site, article, feed, url

pytestmark = pytest.mark.slow  # servers and child processes: `pytest -m "not slow"` skips them

KILL_POINTS = 24


def assert_whole(db: Path) -> None:
    """The invariants a crash must never break."""
    assert rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    conn = sqlite3.connect(db)
    try:  # the full-text index agrees with its table
        conn.execute("INSERT INTO articles_search_fts(articles_search_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
    # no partial article: each has its versions, its search row, and its version count right
    partial = rows(db, "SELECT a.url FROM articles a WHERE a.versions != (SELECT count(*) FROM versions v "
                       "WHERE v.article_id = a.id) OR a.versions < 1 OR a.id NOT IN (SELECT article_id FROM "
                       "articles_search) OR a.content_hash != (SELECT content_hash FROM versions v WHERE "
                       "v.article_id = a.id ORDER BY v.id DESC LIMIT 1)")
    assert not partial, partial
    assert not rows(db, "SELECT id FROM versions WHERE article_id NOT IN (SELECT id FROM articles)")
    # every article's current text is signed for reprints, and every story has one source
    assert not rows(db, "SELECT a.id FROM articles a LEFT JOIN signatures g ON g.article_id = a.id "
                        "WHERE g.content_hash IS NOT a.content_hash")
    assert not rows(db, "SELECT r.article_id FROM reprints r JOIN reprints s ON s.article_id = r.source_id")
    # and found by the lookup: each signature's band keys are in the index (the big one or the recent one)
    unindexed = rows(db, "SELECT g.article_id FROM signatures g LEFT JOIN (SELECT article_id, count(*) AS n FROM "
                         "(SELECT article_id FROM reprint_bands UNION ALL SELECT article_id FROM reprint_bands_recent) "
                         "GROUP BY article_id) b ON b.article_id = g.article_id "
                         f"WHERE g.minhash IS NOT NULL AND coalesce(b.n, 0) != {BANDS}")
    assert not unindexed, unindexed
    # no duplicate version: consecutive versions of an article always differ
    duplicates = rows(db, "SELECT v.id FROM versions v JOIN versions w ON w.article_id = v.article_id AND "
                          "w.id = (SELECT max(id) FROM versions WHERE article_id = v.article_id AND id < v.id) "
                          "WHERE w.content_hash = v.content_hash")
    assert not duplicates, duplicates
    # every later version has exactly one changed/restored alert, and every changed alert its version
    versions = rows(db, "SELECT v.article_id, v.fetched_at FROM versions v WHERE v.id != (SELECT min(id) FROM "
                        "versions WHERE article_id = v.article_id)")
    for version in versions:
        alerts = rows(db, "SELECT id FROM alerts WHERE article_id = ? AND created_at = ? AND kind IN "
                          "('changed', 'restored')", [version["article_id"], version["fetched_at"]])
        assert len(alerts) == 1, (version, alerts)
    orphans = rows(db, "SELECT id FROM alerts a WHERE kind = 'changed' AND NOT EXISTS (SELECT 1 FROM versions v "
                       "WHERE v.article_id = a.article_id AND v.fetched_at = a.created_at)")
    assert not orphans, orphans
    doubled = rows(db, "SELECT article_id, kind, created_at, count(*) AS n FROM alerts "
                       "GROUP BY article_id, kind, created_at HAVING n > 1")
    assert not doubled, doubled
    removed = rows(db, "SELECT id FROM articles WHERE status = 'removed' AND id NOT IN "
                       "(SELECT article_id FROM alerts WHERE kind = 'removed')")
    assert not removed, removed


def stopped_or_exited(process: subprocess.Popen, deadline: float = 300) -> bool:
    """Wait until the child stops itself (a hook of tests/hooks.py) or exits; True if stopped.
    The deadline only bounds a broken run; nothing here depends on how fast the crawl is."""
    limit = time.monotonic() + deadline
    while time.monotonic() < limit:
        pid, status = os.waitpid(process.pid, os.WNOHANG | os.WUNTRACED)
        if pid and os.WIFSTOPPED(status):
            return True
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return False
        time.sleep(0.01)
    raise AssertionError(f"crawl {process.pid} neither stopped nor exited")


def test_sigkill_at_chosen_points_loses_nothing(tmp_path):
    # two states of the sites, served side by side: every crawl that flips between them writes
    day_one = copy_snapshots(tmp_path / "day1")
    day_two = copy_snapshots(tmp_path / "day2")
    apply_demo_update(day_two)
    db = tmp_path / "rasid.db"
    with ReplayServer(day_one) as one, ReplayServer(day_two) as two:
        run_rasid("crawl", "--db", str(db), *base_url_args(one))  # the baseline
        cut = 0
        for point in range(KILL_POINTS):
            server = two if point % 2 == 0 else one
            # killed right after the k-th page of this crawl is committed, k from 1 to 28 of its ~36
            after = 1 + (point * 11) % 28
            process = subprocess.Popen(rasid("crawl", "--quiet", "--db", str(db), *base_url_args(server),
                                             settings=stop_after_pages(after)), cwd=ROOT, start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if stopped_or_exited(process):
                cut += 1
                os.killpg(process.pid, signal.SIGKILL)  # the crawl and its extraction workers
                process.wait()
            assert_whole(db)
        final = run_rasid("crawl", "--db", str(db), *base_url_args(two), check=False)
        assert final.returncode == 0, final.stderr
        assert_whole(db)
        assert not rows(db, "SELECT id FROM crawls WHERE finished_at IS NULL")  # killed crawls were closed
        killed = rows(db, "SELECT count(*) AS n FROM crawls WHERE status = 'failed'")[0]["n"]
    print(f"\nkill points survived with nothing lost: {KILL_POINTS} (crawls cut mid-way: {cut})")
    assert cut == KILL_POINTS  # every kill landed in the middle of a crawl, where it was aimed
    assert killed >= cut  # and a later crawl's claim closed each cut crawl's rows as failed


def running(site: Site) -> bool:
    try:
        return bool(site.rows("SELECT id FROM crawls WHERE status = 'running'"))
    except sqlite3.OperationalError:  # the store is still being created
        return False


def test_two_crawls_of_one_store_at_once(tmp_path):
    site = Site(tmp_path)
    try:
        site.server.route("/rss.xml", feed([url(1), url(2)]))
        site.server.route("/a/1.html", Answer(200, article("خبر")))
        site.server.route("/a/2.html", Answer(behaviour="hang"))  # cut at the download timeout (3 s)
        # the first crawl holds still (SIGSTOP, after its first committed page) while the second
        # starts: they overlap however long the second takes to start on this machine
        first = subprocess.Popen(rasid("crawl", "--quiet", "--config", str(site.config), "--db", str(site.db),
                                       settings=stop_after_pages(1)), cwd=ROOT, stderr=subprocess.PIPE, text=True)
        assert stopped_or_exited(first), "the first crawl ended before it was caught running"
        assert running(site)
        second = site.crawl()
        os.kill(first.pid, signal.SIGCONT)
        first.communicate(timeout=300)
        assert second.returncode == 3  # the second exits at once, with a clear message, and writes nothing
        assert "nothing crawled: hostile: already being crawled by process" in second.stderr
        assert first.returncode == 1  # the first finishes (the hanging page recorded as an error)
        assert list(site.stored()) == [url(1)] and len(site.rows("SELECT id FROM crawls")) == 1
        assert_whole(site.db)
    finally:
        site.server.close()


def test_a_full_store_stops_the_crawl_with_a_clear_error_and_stays_whole(tmp_path, replay):
    db = tmp_path / "rasid.db"
    config = tmp_path / "rasid.toml"
    config.write_text("max_store_mb = 0.35\n", encoding="utf-8")
    result = run_rasid("crawl", "--config", str(config), "--db", str(db), *base_url_args(replay), check=False)
    assert result.returncode == 1
    assert f"{db}: cannot write to the store: database or disk is full" in result.stderr
    stored = len(rows(db, "SELECT id FROM articles"))
    assert 0 < stored < SNAPSHOT_ARTICLES
    assert_whole(db)
    # again while the store is still full: one line, nothing half-written, no crawl row left open
    again = run_rasid("crawl", "--config", str(config), "--db", str(db), *base_url_args(replay), check=False)
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    assert "cannot write to the store: database or disk is full" in again.stderr
    assert not rows(db, "SELECT id FROM crawls WHERE finished_at IS NULL")
    assert_whole(db)
    # with room again, the next crawl completes what the first could not
    result = run_rasid("crawl", "--db", str(db), *base_url_args(replay), check=False)
    assert result.returncode == 0, result.stderr
    assert len(rows(db, "SELECT id FROM articles")) == SNAPSHOT_ARTICLES
    assert_whole(db)
    # an interrupted first crawl was no baseline: the rest of the initial import raised no `new` alert
    assert not rows(db, "SELECT id FROM alerts WHERE kind = 'new'")


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_extraction_workers_die_with_their_crawl_even_after_sigkill(tmp_path, replay):
    db = tmp_path / "rasid.db"
    process = subprocess.Popen(rasid("crawl", "--quiet", "--db", str(db), *base_url_args(replay),
                                     settings=stop_after_pages(3)), cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    assert stopped_or_exited(process)  # mid-crawl, with its extraction workers started
    workers = children(process.pid)
    assert workers, "the crawl had no extraction workers"
    os.kill(process.pid, signal.SIGKILL)  # the crawl alone, not its process group
    process.wait()
    deadline = time.monotonic() + 60  # the kernel signals them at once; this only bounds a broken run
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "extraction workers outlived their crawl"


# --- Ctrl-C ---------------------------------------------------------------------------------


def _crawl_to_stop(site: Site) -> tuple[subprocess.Popen, str]:
    """`rasid crawl` of a site whose second article never answers (until the server closes), and
    the line it prints as it starts: the moment after which a Ctrl-C must be honoured."""
    site.server.route("/rss.xml", feed([url(1), url(2)]))
    site.server.route("/a/1.html", Answer(200, article("خبر")))
    site.server.route("/a/2.html", Answer(behaviour="hang"))  # the crawl cannot end by itself meanwhile
    process = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "--config", str(site.config), "--db",
                                str(site.db)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, process.stderr.readline()


def _stopping(process: subprocess.Popen) -> str:
    """The line that says the stop was heard (the signal was handled, not lost)."""
    return process.stderr.readline()


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_from_the_first_moment_stops_the_crawl_and_says_so(tmp_path, presses):
    # a signal at the start line, before any crawler runs: once, a graceful stop (what is being
    # written is written); twice, at once, with the server still holding a page
    site = Site(tmp_path, download_timeout="100s")
    try:
        process, started = _crawl_to_stop(site)
        assert started.startswith("crawling hostile into "), started
        process.send_signal(signal.SIGINT)
        heard = _stopping(process)
        assert heard.startswith("rasid: SIGINT: stopping"), heard + process.stderr.read()
        if presses == 2:
            process.send_signal(signal.SIGINT)
        else:
            site.server.close()  # the page in flight ends, so the graceful stop can
        out, err = process.communicate(timeout=120)
    finally:
        site.server.close()
    assert process.returncode == 130, out + err  # CrawlExit.STOPPED: not 0, not "incomplete"
    assert "crawl stopped after" in out and "crawl finished" not in out and "crawl incomplete" not in err
    assert [r["status"] for r in site.rows("SELECT status FROM crawls")] == ["stopped"]
    # a stop is no failure: `rasid status` counts none
    line = next(x for x in run_rasid("status", "--db", str(site.db)).stdout.splitlines() if x.startswith("hostile "))
    assert " stopped " in line and line.split()[-1] == "0"
