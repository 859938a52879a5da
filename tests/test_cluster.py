"""Cluster mode on this machine: a real redis-server on a loopback port, one writer and two workers
over the synthetic site, against `rasid crawl` of the same site; workers and the writer SIGKILLed at
points the test chose (their stop hooks), after which every page is stored exactly once."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.synthetic import build
from crawler.demo.replay import ReplayServer
from tests.conftest import ROOT, free_port, installed, rows, run_rasid
from tests.hooks import rasid, stop_after_pages
from tests.test_crashes import assert_whole, stopped_or_exited

pytestmark = pytest.mark.slow

PAGES = 120
DEADLINE = 300  # seconds: only bounds a broken run; nothing waits for a time, each wait watches progress


@pytest.fixture
def redis_url(tmp_path):
    binary = installed("redis-server", "redis")
    port = free_port()
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


def start(*args: str, **hooks) -> subprocess.Popen:
    """`rasid ARGS` in a child, with the test's hooks if any (tests/hooks.py: settings, writer_stops)."""
    command = rasid(*args, **hooks) if hooks else [sys.executable, "-m", "crawler", *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


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
            and client.xlen("rasid:pages") == 0 and pending == 0 and int(client.hget("rasid:round:bench", "open") or 0) == 0)


def statuses(db: Path) -> list[str]:
    return [r["status"] for r in rows(db, "SELECT status FROM crawls ORDER BY id")] if db.exists() else []


def start_worker(config: Path, concurrency: int | None = None, extensions: dict | None = None) -> subprocess.Popen:
    """A worker with the test's hook extensions (tests/hooks.py)."""
    options = ["--concurrency", str(concurrency)] if concurrency else []
    return start("worker", "--config", str(config), *options, settings={"EXTENSIONS": extensions or {}})


def assert_first_round_stored_each_page_once(db: Path, redis_url: str, pages: int) -> None:
    """The first round closes once all of it is stored: every page, once, new, in that round."""
    wait_for(lambda: statuses(db) == ["ok"], "round 1 closed")
    assert store_count(db) == pages and drained(redis_url)
    assert rows(db, "SELECT new FROM crawls") == [{"new": pages}]
    assert store_count(db, "SELECT count(*) AS n FROM versions") == pages
    assert rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    assert_whole(db)


def contents(db: Path) -> list[dict]:
    return rows(db, "SELECT url, title, text, published_at, status, versions, content_hash "
                    "FROM articles ORDER BY url")


def front(db: Path) -> list[dict]:
    """The site's front page as it stands, in its order."""
    return rows(db, "SELECT p.block, p.kind, f.url, p.teaser FROM placements p JOIN front_links f ON f.id = p.link_id "
                    "WHERE p.closed_at IS NULL ORDER BY p.listing_id, p.rank")


def test_a_writer_and_two_workers_store_what_a_crawl_stores_once_each(tmp_path, site, redis_url):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    writer = start("writer", "--config", str(config))
    # workers whose engines look for work only once an hour on their own (Scrapy's heartbeat, 5 s
    # by default): each round below is pushed to idle workers, and is taken because the worker
    # wakes its engines when Redis has work for them (before, a round waited for that heartbeat)
    workers = [start_worker(config, extensions={"tests.hooks.NoEngineHeartbeat": 500}) for _ in range(2)]
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
        assert front(db) == front(local) and len(front(db)) == 50  # its home page read by a worker, stored by the writer
        assert not rows(db, "SELECT * FROM alerts")  # the first round is the site's baseline, as a first crawl

        # the next round: every stored article revisited, each answering 304; nothing new, no alert
        run_rasid("cluster", "crawl", "--config", str(config))
        wait_for(lambda: store_count(db, "SELECT coalesce(sum(not_modified), 0) AS n FROM crawls WHERE "
                                         "status IN ('cluster', 'ok')") == PAGES and drained(redis_url),
                 "the second round's 304s")
        assert store_count(db, "SELECT count(*) AS n FROM versions") == PAGES
        assert not rows(db, "SELECT * FROM alerts")
        wait_for(lambda: statuses(db) == ["ok", "ok"], "the second round closed")  # by the writer, once done
        crawls = rows(db, "SELECT status, pages, new, not_modified FROM crawls ORDER BY id")
        assert crawls == [{"status": "ok", "pages": PAGES, "new": PAGES, "not_modified": 0},
                          {"status": "ok", "pages": PAGES, "new": 0, "not_modified": PAGES}]
        # read again, the same bytes: nothing moved on the front page, no row
        assert rows(db, "SELECT reads FROM listings") == [{"reads": 2}] and len(front(db)) == 50
        assert store_count(db, "SELECT count(*) AS n FROM placements") == 50
    finally:
        stop(writer, *workers)


def test_a_worker_killed_mid_crawl_loses_nothing_and_doubles_nothing(tmp_path, site, redis_url):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    writer = start("writer", "--config", str(config))
    # this worker stops itself (SIGSTOP) after handing its 15th page to the stream, requests in flight
    doomed = start("worker", "--config", str(config), settings=stop_after_pages(15))
    survivor = None
    try:
        run_rasid("cluster", "crawl", "--config", str(config))
        assert stopped_or_exited(doomed), "the worker ended before it was caught mid-crawl"
        doomed.kill()  # SIGKILL: whatever it had taken from the frontier is gone with it
        doomed.wait()
        assert store_count(db) < PAGES
        survivor = start("worker", "--config", str(config))
        # the requests the killed worker held go back to the queue once its heartbeat is gone:
        # the same round stores every page
        assert_first_round_stored_each_page_once(db, redis_url, PAGES)
    finally:
        stop(writer, doomed, *([survivor] if survivor else []))


@pytest.mark.parametrize("point", ["recorded", "committed"])
def test_a_writer_killed_mid_batch_is_replaced_and_writes_each_page_once(tmp_path, site, redis_url, point):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    worker = start("worker", "--config", str(config))
    # the writer stops itself at its 40th page: inside the batch's transaction, or after its commit
    # and before the stream entries are acknowledged
    doomed = start("writer", "--config", str(config), writer_stops=(point, 40))
    replacement = None
    try:
        run_rasid("cluster", "crawl", "--config", str(config))
        assert stopped_or_exited(doomed), "the writer ended before it was caught mid-batch"
        committed = store_count(db)
        assert (committed >= 40) if point == "committed" else (committed < 40)
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
    result = run_rasid("cluster", "status", "--redis", f"redis://127.0.0.1:{free_port()}/0", check=False)
    assert result.returncode == 2 and "cannot reach Redis" in result.stderr.strip().splitlines()[-1]
    result = run_rasid("worker", "--redis", "http://example.org", check=False)
    assert result.returncode == 2 and "expected a Redis URL" in result.stderr
    result = run_rasid("writer", "--db", str(tmp_path / "x.db"), check=False)
    assert result.returncode == 2 and "no Redis" in result.stderr


def test_the_daemon_in_cluster_mode_pushes_rounds_instead_of_crawling(tmp_path, site, redis_url):
    import redis

    from crawler.daemon.scheduler import Daemon
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
    daemon.crawl_site("bench")  # its next turn: the first round's job still waits, so no round over it
    assert len(client.lrange("rasid:jobs:bench", 0, -1)) == 1 and statuses(db) == ["cluster"]
    client.flushdb()  # Redis restarted without its append-only file: the first round's work is gone
    daemon.crawl_site("bench")
    assert statuses(db) == ["failed", "cluster"]  # a lost round is closed as such, and is no baseline
    assert "lost with Redis" in rows(db, "SELECT error_log FROM crawls ORDER BY id")[0]["error_log"]


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


@pytest.mark.parametrize("point", ["recorded", "committed"])
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
        doomed = start("writer", "--config", str(config), writer_stops=(point, 10))
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


ROLLING = 600  # issue 26: a 600-page site whose sitemap index has six children


@pytest.fixture
def big_site(tmp_path):
    sites_toml = build(tmp_path / "site", ROLLING, per_sitemap=100)
    with ReplayServer(tmp_path / "site") as server:
        yield sites_toml, server.base_urls["bench"]


def test_a_rolling_restart_stores_every_page_in_its_round_and_raises_no_false_alert(tmp_path, big_site, redis_url):
    import redis

    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, big_site, redis_url, db)
    # the writer stops itself at its 150th page, inside a batch's transaction: killed mid-stream
    writer = start("writer", "--config", str(config), writer_stops=("recorded", 150))
    # each worker stops itself when a child sitemap reaches its downloader (two requests in flight
    # at most, so both take children): killed mid-discovery, holding sitemaps no other worker has read
    hook = {"tests.hooks.StopAtChildSitemap": 500}
    doomed = [start_worker(config, concurrency=2, extensions=hook) for _ in range(2)]
    fresh = new_writer = None
    try:
        wait_for(lambda: "workers alive: 2" in run_rasid("cluster", "status", "--config", str(config)).stdout,
                 "two workers' heartbeats")
        run_rasid("cluster", "crawl", "--config", str(config))
        for worker in doomed:
            assert stopped_or_exited(worker), "a worker ended before it was caught fetching a child sitemap"
        client = redis.Redis.from_url(redis_url)
        held = [m for key in client.scan_iter(match="rasid:news:bench:leased:*") for m in client.zrange(key, 0, -1)]
        assert any(b"/sitemap-" in m for m in held)  # child sitemaps taken and not read, as in the issue
        for worker in doomed:  # the rolling restart: both SIGKILLed, a new worker started
            worker.kill()
            worker.wait()
        fresh = start_worker(config)
        assert stopped_or_exited(writer), "the writer ended before it was caught mid-stream"
        assert store_count(db) < 150
        writer.kill()  # and the writer killed mid-batch and replaced
        writer.wait()
        new_writer = start("writer", "--config", str(config))

        # round 1 closes only once all of it is stored: every page, once, in round 1 (91 of 600 before)
        assert_first_round_stored_each_page_once(db, redis_url, ROLLING)

        # round 2 finds nothing new on the site: no `new` alert (509 before, for pages of round 1's sitemaps)
        run_rasid("cluster", "crawl", "--config", str(config))
        wait_for(lambda: statuses(db) == ["ok", "ok"], "round 2 closed")
        assert not rows(db, "SELECT kind, url FROM alerts")
        assert store_count(db) == ROLLING
    finally:
        stop(*doomed, writer, *[p for p in (fresh, new_writer) if p])


def test_a_page_the_first_round_listed_and_lost_is_not_new_in_the_next(tmp_path, site, redis_url):
    db = tmp_path / "cluster.db"
    config = config_file(tmp_path, site, redis_url, db)
    lost = site[0].parent / "bench" / "news" / "7.html"
    html = lost.read_text(encoding="utf-8")
    lost.unlink()  # listed by the feed and the sitemap, answering 404 in the first round
    writer = start("writer", "--config", str(config))
    worker = start("worker", "--config", str(config))
    try:
        run_rasid("cluster", "crawl", "--config", str(config))
        wait_for(lambda: statuses(db) == ["ok"], "round 1 closed")
        assert store_count(db) == PAGES - 1
        lost.write_text(html, encoding="utf-8")  # the page answers again
        run_rasid("cluster", "crawl", "--config", str(config))
        wait_for(lambda: statuses(db) == ["ok", "ok"], "round 2 closed")
        assert store_count(db) == PAGES
        # it was on the site when Rasid first read it whole: part of the baseline, not news
        assert not rows(db, "SELECT kind, url FROM alerts")
    finally:
        stop(writer, worker)


def test_an_entry_that_is_no_page_is_dead_lettered_in_one_line_and_the_writer_goes_on(tmp_path, site, redis_url):
    import pickle
    import threading
    import zlib

    import redis

    from crawler.cluster import shared
    from crawler.cluster.writer import Writer
    from extract.model import FetchedPage
    from monitor.config import load_config

    db = tmp_path / "cluster.db"
    config = load_config(config_file(tmp_path, site, redis_url, db))
    client = redis.Redis.from_url(redis_url)
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    page = FetchedPage(site="bench", url="https://bench.example/news/404.html", status=404,
                       fetched_at="2026-12-03T10:00:00.000+00:00")
    other_version = json.dumps({"format": 0, "page": {"url": page.url}}).encode()
    bad = {
        client.xadd("rasid:pages", {"page": b"not a page at all", "site": "bench", "worker": "w1"}): "Error",
        client.xadd("rasid:pages", {"page": zlib.compress(pickle.dumps(Exploit())), "site": "bench",
                                    "worker": "w1"}): "DecodeError",
        client.xadd("rasid:pages", {"page": zlib.compress(other_version), "site": "bench", "worker": "w2"}):
            "page format 0",
    }
    good = client.xadd("rasid:pages", {"page": shared.pack(page), "site": "bench", "worker": "w2"})
    lines: list[str] = []
    writer = Writer(config, db, redis_url, clock=lambda: datetime.now(UTC), say=lines.append)
    thread = threading.Thread(target=writer.run)
    thread.start()
    try:
        wait_for(lambda: client.xlen("rasid:pages") == 0, "the stream written")
    finally:
        writer.stop.set()
        thread.join()
    assert not marker.exists()  # nothing in the stream runs
    assert writer.counts["missing"] == 1 and good  # the page after them was written
    dead = client.xrange("rasid:pages:dead")
    assert [entry_id.decode() for entry_id, _ in dead] == [i.decode() for i in bad]
    for (_, fields), why in zip(dead, bad.values(), strict=True):
        assert why.encode() in fields[b"error"]
    for entry_id in bad:
        (line,) = [line for line in lines if entry_id.decode() in line]
        assert "\n" not in line and "moved to rasid:pages:dead" in line


def _redis_server(port: int, folder: Path, password: str) -> subprocess.Popen:
    return subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder), "--requirepass", password],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_the_writer_never_prints_the_redis_password_and_says_when_redis_is_lost_and_back(tmp_path, site, redis_url):
    import queue
    import threading

    import redis

    password = "s3cret-Pa55word"
    port = free_port()
    server = _redis_server(port, tmp_path, password)
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    wait_for(lambda: _pings(redis.Redis(port=port, password=password)), "redis-server to answer")
    db = tmp_path / "cluster.db"
    nowhere = run_rasid("writer", "--db", str(db), "--redis", f"redis://:{password}@127.0.0.1:{free_port()}/0",
                        check=False)
    assert nowhere.returncode == 2 and "cannot reach Redis" in nowhere.stderr
    assert password not in nowhere.stderr and "redis://:***@127.0.0.1" in nowhere.stderr

    writer = start("writer", "--db", str(db), "--redis", url)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in iter(writer.stderr.readline, b"")],
                     daemon=True).start()
    seen: list[str] = []

    def line_with(text: str):
        def found():
            while not lines.empty():
                seen.append(lines.get().decode())
            return any(text in line for line in seen)
        return found

    try:
        wait_for(line_with("rasid writer "), "the writer's start line")
        wait_for(lambda: redis.Redis(port=port, password=password).get("rasid:writer"), "the writer's heartbeat")
        server.kill()  # Redis killed under the writer
        server.wait()
        wait_for(line_with("lost Redis"), "the line saying Redis is lost")
        server = _redis_server(port, tmp_path, password)
        wait_for(line_with("is back after"), "the line saying Redis is back")
        writer.terminate()
        writer.wait(timeout=60)
        wait_for(line_with("rasid writer stopped"), "the writer's last line")
    finally:
        stop(writer)
        server.kill()
        server.wait()
    assert writer.returncode == 0
    assert [line for line in seen if "lost Redis" in line][0].count("\n") == 1  # one line each
    assert len([line for line in seen if "lost Redis" in line]) == 1
    assert len([line for line in seen if "is back after" in line]) == 1
    assert not [line for line in seen if password in line]
    assert "redis://:***@127.0.0.1" in seen[0]
