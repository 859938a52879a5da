"""`rasid daemon` end to end: scheduled crawls of the replay server, alerts to a local webhook
through Apprise, a SIGKILL between the store commit and the delivery, and a clean SIGTERM."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.demo.demo import apply_demo_update
from tests.conftest import ROOT, rows

pytestmark = pytest.mark.slow  # servers and child processes: `pytest -m "not slow"` skips them

INTERVAL = 5  # seconds between crawls of a site


class Webhook:
    """A local receiver for Apprise's json:// notifications; `down` makes it answer 500."""

    def __init__(self):
        self.received: list[dict] = []
        self.down = False
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hook.down:
                    self.send_response(500)
                else:
                    hook.received.append(json.loads(body) | {"at": time.monotonic()})
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def messages(self, needle: str) -> list[dict]:
        return [m for m in self.received if needle in m["message"]]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except sqlite3.OperationalError:  # the store exists but its tables are still being created
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def last_crawl(db: Path) -> int:
    return rows(db, "SELECT coalesce(max(id), 0) AS n FROM crawls")[0]["n"]


def rounds_done(db: Path, after: int, n: int, sites=("ina", "alaraby")) -> bool:
    """Whether every site has finished n crawls started after crawl id `after`: progress
    observed in the store, whatever the machine's speed."""
    done = {r["site"]: r["n"] for r in rows(db, "SELECT site, count(*) AS n FROM crawls WHERE id > ? AND "
                                                "finished_at IS NOT NULL GROUP BY site", [after])}
    return all(done.get(site, 0) >= n for site in sites)


def start_daemon(config: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler", "daemon", "--config", str(config)], cwd=ROOT,
                            stdout=log.open("a"), stderr=subprocess.STDOUT)


@pytest.fixture
def setup(tmp_path, replay):
    webhook = Webhook()
    config = tmp_path / "rasid.toml"
    others = "".join(f"[sites.{k}]\nenabled = false\n" for k in ("kitabat", "okaz", "elaph"))
    config.write_text(
        f'db = "rasid.db"\ncrawl_timeout = "60s"\ndeliver_every = "1s"\nrevisit_schedule = ["1s until 7d"]\n'
        f'[alerts]\nurls = ["{webhook.url}"]\njsonl = "alerts.jsonl"\nconsole = false\n'
        f'[sites.ina]\nbase_url = "{replay.base_urls["ina"]}"\nrevisit = "{INTERVAL}s"\n'
        f'[sites.alaraby]\nbase_url = "{replay.base_urls["alaraby"]}"\nrevisit = "{INTERVAL}s"\n' + others,
        encoding="utf-8")
    yield webhook, config, tmp_path / "rasid.db", tmp_path / "daemon.log"
    webhook.server.shutdown()


def test_daemon_alerts_once_per_change_and_survives_sigkill(setup, replay, snapshot_root):
    webhook, config, db, log = setup
    daemon = start_daemon(config, log)
    try:
        # the baseline: both sites crawled once, no alert for the initial import
        wait_for(lambda: len(rows(db, "SELECT DISTINCT site FROM crawls WHERE status = 'ok'")) == 2
                 if db.exists() else False, 60, "the first crawls")
        assert webhook.received == []

        # day two: the INA seed article is edited, Al-Araby publishes a new one
        before_change = last_crawl(db)
        apply_demo_update(snapshot_root)
        replay.reload()
        wait_for(lambda: webhook.messages("يصوت على قانون الانتخابات") and webhook.messages("{+موسعا+}"),
                 180, "the new-article and edit alerts")
        new, edit = webhook.messages("يصوت على قانون الانتخابات"), webhook.messages("{+موسعا+}")
        # raised by the crawl running when the sites changed or by the next one: never a later round
        for kind, site in (("new", "alaraby"), ("changed", "ina")):
            (alert,) = rows(db, "SELECT crawl_id FROM alerts WHERE kind = ? AND site = ?", [kind, site])
            first_two = [r["id"] for r in rows(db, "SELECT id FROM crawls WHERE site = ? AND id > ? ORDER BY id "
                                                   "LIMIT 2", [site, before_change])]
            assert alert["crawl_id"] in first_two, (kind, alert, first_two)
        assert "خبر جديد" in new[0]["title"] and "https://www.alaraby.co.uk/politics/" in new[0]["message"]
        assert "تعديل" in edit[0]["title"] and "{+وشيوخ العشائر+}" in edit[0]["message"]
        assert "(Asia/Baghdad)" in edit[0]["message"]  # times in the site's own zone
        after = last_crawl(db)  # two more rounds of crawls: the same changes are not sent again
        wait_for(lambda: rounds_done(db, after, 2), 180, "two more rounds of crawls")
        assert len(webhook.messages("يصوت على قانون الانتخابات")) == 1 and len(webhook.messages("{+موسعا+}")) == 1

        # the channel goes down; another edit is committed to the store but cannot be delivered
        webhook.down = True
        page = snapshot_root / "ina" / "111563--.html"
        page.write_text(page.read_text(encoding="utf-8").replace("وشيوخ العشائر", "ووجهاء العشائر"), encoding="utf-8")
        replay.reload()
        failed = wait_for(lambda: rows(db, "SELECT d.alert_id FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
                                           "WHERE a.diff LIKE '%ووجهاء%' AND d.delivered_at IS NULL "
                                           "AND d.attempts >= 1"), 180, "a failed delivery")
        daemon.send_signal(signal.SIGKILL)  # between the commit and the delivery
        daemon.wait(timeout=10)
        assert not webhook.messages("ووجهاء")
        webhook.down = False

        daemon = start_daemon(config, log)
        wait_for(lambda: webhook.messages("ووجهاء"), 120, "the alert left in the outbox")
        after = last_crawl(db)
        wait_for(lambda: rounds_done(db, after, 2), 180, "two rounds after the restart")
        assert len(webhook.messages("ووجهاء")) == 1  # delivered once, after the restart
        assert len(webhook.messages("{+موسعا+}")) == 1 and len(webhook.messages("يصوت على قانون")) == 1
        kinds = [json.loads(line)["kind"] for line in (db.parent / "alerts.jsonl").read_text().splitlines()]
        assert sorted(kinds) == ["changed", "changed", "new"]  # the JSON-lines channel, once each
        assert rows(db, "SELECT count(*) AS n FROM alerts WHERE delivered_at IS NULL")[0]["n"] == 0
        assert failed[0]["alert_id"] in {r["alert_id"] for r in rows(db, "SELECT alert_id FROM deliveries "
                                                                         "WHERE delivered_at IS NOT NULL")}
        # the schedule survived the restart: one persisted job per enabled site
        assert sorted(r["id"] for r in rows(db, "SELECT id FROM scheduler_jobs")) == ["crawl:alaraby", "crawl:ina"]
    finally:
        # SIGTERM: a clean stop, exit 0, no crawl left half-done
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=90)
    assert code == 0, log.read_text()
    assert rows(db, "SELECT count(*) AS n FROM crawls WHERE finished_at IS NULL")[0]["n"] == 0
    assert rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    status = subprocess.run([sys.executable, "-m", "crawler", "status", "--config", str(config)], cwd=ROOT,
                            capture_output=True, text=True)
    assert status.returncode == 0 and "alerts not yet delivered by `rasid daemon`: 0" in status.stdout
    ina = next(line for line in status.stdout.splitlines() if line.startswith("ina "))
    assert " ok " in ina and "2026" in ina or "20" in ina  # last run, result, next run


def test_sigterm_stops_a_running_crawl_as_stopped_not_failed(tmp_path):
    from tests.hostile import Answer
    from tests.test_reliability import Site, article, feed, url

    site = Site(tmp_path, extra_config='[alerts]\nconsole = false\n', download_timeout="100s")
    try:
        site.server.route("/rss.xml", feed([url(1), url(2)]))
        site.server.route("/a/1.html", Answer(200, article("خبر")))
        site.server.route("/a/2.html", Answer(behaviour="hang"))  # keeps the crawl running until stopped
        log = tmp_path / "daemon.log"
        daemon = subprocess.Popen([sys.executable, "-m", "crawler", "daemon", "--config", str(site.config),
                                   "--db", str(site.db)], cwd=ROOT, stdout=log.open("a"), stderr=subprocess.STDOUT)
        try:  # observed, not timed: the crawl is running and has stored the good page
            wait_for(lambda: site.db.exists() and rows(site.db, "SELECT a.id FROM articles a JOIN crawls c "
                                                                "ON c.status = 'running'"), 120, "a running crawl")
        finally:
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=120)
        assert code == 0, log.read_text()
        crawls = rows(site.db, "SELECT status, error_log FROM crawls")
        assert [c["status"] for c in crawls] == ["stopped"], crawls
        assert "crawl of hostile failed" not in log.read_text()
        status = subprocess.run([sys.executable, "-m", "crawler", "status", "--config", str(site.config),
                                 "--db", str(site.db)], cwd=ROOT, capture_output=True, text=True)
        line = next(x for x in status.stdout.splitlines() if x.startswith("hostile "))
        assert " stopped " in line and " failed " not in line
        assert line.split()[-1] == "0"  # failed_24h: a clean stop is not a failure
        # a stopped first crawl is no baseline: the next crawl's articles are still the initial import
        site.server.route("/a/2.html", Answer(200, article("خبر ثان")))
        site.crawl(check=True)
        assert rows(site.db, "SELECT count(*) AS n FROM alerts")[0]["n"] == 0
    finally:
        site.server.close()


def test_a_second_daemon_on_the_same_store_exits_2(setup):
    _, config, db, log = setup
    first = start_daemon(config, log)
    try:
        wait_for(lambda: Path(f"{db}.daemon.lock").exists() and db.exists(), 60, "the first daemon's lock")
        second = subprocess.run([sys.executable, "-m", "crawler", "daemon", "--config", str(config)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert f"another rasid daemon (pid {first.pid}) is already running on this store" in second.stderr
        status = subprocess.run([sys.executable, "-m", "crawler", "status", "--config", str(config)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert f"daemon: running (pid {first.pid})" in status.stdout
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=120) == 0
    # the lock went with the process: a new daemon may start
    again = start_daemon(config, log)
    try:
        wait_for(lambda: log.read_text().count("rasid daemon:") == 2 and "next run" in
                 log.read_text().split("rasid daemon:")[2], 60, "the restarted daemon")
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=120) == 0


@pytest.mark.parametrize("closed_as, said", [("ok", "crawl of ina done in"), ("stopped", "crawl of ina stopped with "
                                                                                          "the daemon")])
def test_the_daemons_log_says_what_the_store_recorded_at_a_stop(tmp_path, caplog, monkeypatch, closed_as, said):
    # a crawl that closed its row just as the daemon's stop reached it, and exited by the signal:
    # the log line follows the row, not the exit code
    from crawler.crawl.processes import alive
    from crawler.daemon import scheduler
    from db.store import Store
    from monitor.config import load_config

    db = tmp_path / "rasid.db"
    daemon = scheduler.Daemon(load_config(), db, None)

    class Child:
        pid = 4_000_000  # no such process: nothing of its is left unfinished

        def __init__(self, *args, **kwargs):
            with Store(db) as store:
                store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
                store.finish_crawl(store.start_crawl("ina", alive), {"pages": 7}, [], closed_as)

        def wait(self, timeout=None):
            daemon.stopping.set()  # the daemon is asked to stop while the crawl ends
            return -signal.SIGTERM

    monkeypatch.setattr(scheduler, "ChildCrawl", Child)
    monkeypatch.setattr(daemon, "deliver", lambda: None)
    with caplog.at_level("INFO", logger="rasid.daemon"):
        daemon.crawl_site("ina")
    assert [r["status"] for r in rows(db, "SELECT status FROM crawls")] == [closed_as]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("crawl of ina ")]
    assert lines[-1].startswith(said), lines
