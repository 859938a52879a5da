"""Cluster mode on this machine: a real redis-server on a loopback port, one writer and two workers
over the synthetic site, against `rasid crawl` of the same site; workers and the writer SIGKILLed at
points the test chose (their stop hooks), after which every page is stored exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.synthetic import build
from crawler.replay import ReplayServer
from tests.conftest import ROOT, rows, run_rasid
from tests.test_crashes import assert_whole, stopped_or_exited

pytestmark = pytest.mark.slow

PAGES = 120
DEADLINE = 300  # seconds: only bounds a broken run; nothing waits for a time, each wait watches progress


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing: `make redis` installs it (Debian's redis-server)")
        pytest.skip("redis-server is not installed (`make redis`)")
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    wait_for(lambda: _pings(client), "redis-server to answer")
    yield f"redis://127.0.0.1:{port}/0"
    server.kill()
    server.wait()


def _pings(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def wait_for(condition, what: str, deadline: float = DEADLINE):
    limit = time.monotonic() + deadline
    while time.monotonic() < limit:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def site(tmp_path):
    sites_toml = build(tmp_path / "site", PAGES)
    with ReplayServer(tmp_path / "site") as server:
        yield sites_toml, server.base_urls["bench"]


def config_file(tmp_path: Path, site, redis_url: str, db: Path) -> Path:
    sites_toml, base = site
    path = tmp_path / "rasid.toml"
    path.write_text(f'sites_file = "{sites_toml}"\ndb = "{db}"\n[sites.bench]\nbase_url = "{base}"\n'
                    f'[cluster]\nredis = "{redis_url}"\n', encoding="utf-8")
    return path


def start(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def store_count(db: Path, sql: str = "SELECT count(*) AS n FROM articles") -> int:
    if not db.exists():
        return 0
    return rows(db, sql)[0]["n"]


def drained(redis_url: str) -> bool:
    """Nothing left anywhere: no job, no queued request, no page waiting or being written."""
    import redis

    client = redis.Redis.from_url(redis_url)
    pending = client.xpending("rasid:pages", "writers")["pending"] if client.exists("rasid:pages") else 0
    return (client.llen("rasid:jobs:bench") == 0 and client.zcard("rasid:news:bench:requests") == 0
            and client.xlen("rasid:pages") == 0 and pending == 0)


def contents(db: Path) -> list[dict]:
    return rows(db, "SELECT url, title, text, published_at, status, versions, content_hash "
                    "FROM articles ORDER BY url")


def test_a_writer_and_two_workers_store_what_a_crawl_stores_once_each(tmp_path, site, redis_url):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    writer = start("writer", "--config", str(config))
    workers = [start("worker", "--config", str(config)) for _ in range(2)]
    try:
        wait_for(lambda: "workers alive: 2" in run_rasid("cluster", "status", "--config", str(config)).stdout,
                 "two workers' heartbeats")
        pushed = run_rasid("cluster", "crawl", "--config", str(config))
        assert "bench: round pushed (0 revisits and its discovery)" in pushed.stdout
        wait_for(lambda: store_count(db) == PAGES and drained(redis_url), f"{PAGES} articles stored")
        status = run_rasid("cluster", "status", "--config", str(config)).stdout
        assert "pages waiting for the writer: 0" in status and f"{PAGES} pages" in status.split("writer:")[-1]

        # the same site crawled by one `rasid crawl` process: the same articles, dates and texts
        local = tmp_path / "local.db"
        run_rasid("crawl", "--db", str(local), "--config", str(config), "--quiet")
        assert contents(db) == contents(local)
        assert not rows(db, "SELECT * FROM alerts")  # the first round is the site's baseline, as a first crawl

        # the next round: every stored article revisited, each answering 304; nothing new, no alert
        run_rasid("cluster", "crawl", "--config", str(config))
        wait_for(lambda: store_count(db, "SELECT coalesce(sum(not_modified), 0) AS n FROM crawls WHERE "
                                         "status IN ('cluster', 'ok')") == PAGES and drained(redis_url),
                 "the second round's 304s")
        assert store_count(db, "SELECT count(*) AS n FROM versions") == PAGES
        assert not rows(db, "SELECT * FROM alerts")
        crawls = rows(db, "SELECT status, pages, new, not_modified FROM crawls ORDER BY id")
        assert crawls == [{"status": "ok", "pages": PAGES, "new": PAGES, "not_modified": 0},
                          {"status": "cluster", "pages": PAGES, "new": 0, "not_modified": PAGES}]
    finally:
        stop(writer, *workers)


def test_a_worker_killed_mid_crawl_loses_nothing_and_doubles_nothing(tmp_path, site, redis_url):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    writer = start("writer", "--config", str(config))
    # this worker stops itself (SIGSTOP) after handing its 15th page to the stream, requests in flight
    doomed = start("worker", "--config", str(config), env={"RASID_STOP_AFTER_PAGES": "15"})
    survivor = None
    try:
        run_rasid("cluster", "crawl", "--config", str(config))
        assert stopped_or_exited(doomed), "the worker ended before it was caught mid-crawl"
        doomed.kill()  # SIGKILL: whatever it had taken from the frontier is gone with it
        doomed.wait()
        survivor = start("worker", "--config", str(config))
        wait_for(lambda: drained(redis_url), "the rest of the round")
        # the pages the killed worker held are found again by the site's next round
        run_rasid("cluster", "crawl", "--config", str(config))
        wait_for(lambda: store_count(db) == PAGES and drained(redis_url), f"{PAGES} articles stored")
        assert store_count(db, "SELECT count(*) AS n FROM versions") == PAGES
        assert rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
        assert_whole(db)
    finally:
        stop(writer, doomed, *([survivor] if survivor else []))


@pytest.mark.parametrize("point", ["in-batch", "after-commit"])
def test_a_writer_killed_mid_batch_is_replaced_and_writes_each_page_once(tmp_path, site, redis_url, point):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    worker = start("worker", "--config", str(config))
    # the writer stops itself at its 40th page: inside the batch's transaction, or after its commit
    # and before the stream entries are acknowledged
    doomed = start("writer", "--config", str(config), env={"RASID_WRITER_STOP": f"{point}:40"})
    replacement = None
    try:
        run_rasid("cluster", "crawl", "--config", str(config))
        assert stopped_or_exited(doomed), "the writer ended before it was caught mid-batch"
        committed = store_count(db)
        assert (committed >= 40) if point == "after-commit" else (committed < 40)
        doomed.kill()
        doomed.wait()
        replacement = start("writer", "--config", str(config))  # takes over: the dead one's pid is gone
        wait_for(lambda: store_count(db) == PAGES and drained(redis_url), f"{PAGES} articles stored")
        assert store_count(db, "SELECT count(*) AS n FROM versions") == PAGES
        assert rows(db, "SELECT count(DISTINCT url) AS n FROM articles")[0]["n"] == PAGES
        assert rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
        assert_whole(db)
        assert rows(db, "SELECT sum(pages) AS n FROM crawls")[0]["n"] == PAGES  # each page counted once
        import redis

        consumers = redis.Redis.from_url(redis_url).xinfo_consumers("rasid:pages", "writers")
        assert len(consumers) == 1  # the dead writer's consumer is gone with its pages claimed
    finally:
        stop(worker, doomed, *([replacement] if replacement else []))


def test_two_writers_of_one_cluster_are_refused(tmp_path, site, redis_url):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    first = start("writer", "--config", str(config))
    try:
        wait_for(lambda: "writer: none running" not in run_rasid("cluster", "status", "--config", str(config)).stdout,
                 "the first writer")
        second = run_rasid("writer", "--config", str(config), check=False)
        assert second.returncode == 2 and "another writer runs" in second.stderr
    finally:
        stop(first)


def test_cluster_commands_without_redis_are_one_line_errors(tmp_path):
    result = run_rasid("cluster", "status", "--redis", f"redis://127.0.0.1:{_free_port()}/0", check=False)
    assert result.returncode == 2 and "cannot reach Redis" in result.stderr.strip().splitlines()[-1]
    result = run_rasid("worker", "--redis", "http://example.org", check=False)
    assert result.returncode == 2 and "expected a Redis URL" in result.stderr
    result = run_rasid("writer", "--db", str(tmp_path / "x.db"), check=False)
    assert result.returncode == 2 and "no Redis" in result.stderr


def test_the_daemon_in_cluster_mode_pushes_rounds_instead_of_crawling(tmp_path, site, redis_url):
    import redis

    from crawler.daemon import Daemon
    from monitor.config import load_config

    db = tmp_path / "cluster.db"
    config_path = config_file(tmp_path, site, redis_url, db)
    config = load_config(config_path)
    daemon = Daemon(config, db, config_path, redis_url=config.redis)
    daemon.crawl_site("bench")
    assert not daemon.children  # no local crawl
    client = redis.Redis.from_url(redis_url)
    jobs = [job.decode() for job in client.lrange("rasid:jobs:bench", 0, -1)]
    assert len(jobs) == 1 and '"kind": "discover"' in jobs[0]
    assert rows(db, "SELECT site, status, finished_at FROM crawls") == [
        {"site": "bench", "status": "cluster", "finished_at": None}]
    daemon.crawl_site("bench")  # its next turn: the first round is done, the next one open
    assert [r["status"] for r in rows(db, "SELECT status FROM crawls ORDER BY id")] == ["ok", "cluster"]


def test_a_writer_restores_the_stored_urls_redis_lost(tmp_path, site, redis_url):
    import redis

    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    run_rasid("crawl", "--config", str(config), "--quiet")  # a store crawled before the cluster (or a lost Redis)
    client = redis.Redis.from_url(redis_url)
    assert client.scard("rasid:stored:bench") == 0
    writer = start("writer", "--config", str(config))
    try:
        wait_for(lambda: client.scard("rasid:stored:bench") == PAGES, "the stored URLs in Redis")
        urls = {u.decode() for u in client.smembers("rasid:stored:bench")}
        assert urls == {r["url"] for r in rows(db, "SELECT url FROM articles")}
    finally:
        stop(writer)


@pytest.mark.parametrize("point", ["in-batch", "after-commit"])
def test_edits_written_by_a_replaced_writer_raise_each_alert_once(tmp_path, site, redis_url, point):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    worker = start("worker", "--config", str(config))
    writer = start("writer", "--config", str(config))
    doomed = replacement = None
    try:
        run_rasid("cluster", "crawl", "--config", str(config))  # the baseline round
        wait_for(lambda: store_count(db) == PAGES and drained(redis_url), "the baseline round")
        stop(writer)
        edited = [f"https://bench.example/news/{n}.html" for n in range(1, 31)]
        for n in range(1, 31):  # thirty articles edited on the site
            path = site[0].parent / "bench" / "news" / f"{n}.html"
            html = path.read_text(encoding="utf-8")
            path.write_text(html.replace("على اللجنة المختصة", "على اللجنة العليا"), encoding="utf-8")
        # the next round's writer stops itself at its 10th page (inside the batch, or after its
        # commit and before the acknowledgement), is killed and replaced
        doomed = start("writer", "--config", str(config), env={"RASID_WRITER_STOP": f"{point}:10"})
        run_rasid("cluster", "crawl", "--config", str(config))
        assert stopped_or_exited(doomed), "the writer ended before it was caught mid-batch"
        doomed.kill()
        doomed.wait()
        replacement = start("writer", "--config", str(config))
        wait_for(lambda: store_count(db, "SELECT count(*) AS n FROM versions") == PAGES + 30 and drained(redis_url),
                 "the edits stored")
        alerts = rows(db, "SELECT a.url, count(*) AS n FROM alerts l JOIN articles a ON a.id = l.article_id "
                          "WHERE l.kind = 'changed' GROUP BY a.url ORDER BY a.url")
        assert alerts == [{"url": url, "n": 1} for url in sorted(edited)]
        # the rest are reprint alerts: the synthetic site stitches its pages from the same
        # paragraphs, so an edited article can join another's story, as in a local crawl
        assert {r["kind"] for r in rows(db, "SELECT kind FROM alerts")} <= {"changed", "reprint"}
        assert_whole(db)  # no alert twice
        assert rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    finally:
        stop(worker, writer, *[p for p in (doomed, replacement) if p])
