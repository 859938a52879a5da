"""A fetch time in the future is never an article's sight: an archive's WARC-Date after now (or
before the web) is refused and counted by `rasid import warc`; a cluster worker whose clock runs
ahead has its pages stored at the writer's time, counted and logged. `now` is the caller's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.cluster import shared
from crawler.cluster.writer import Writer
from crawler.report import import_summary
from db.store import Store
from extract.article import extract_article
from extract.model import FetchedPage
from monitor.config import load_config
from monitor.recorder import Recorder
from tests.conftest import rows
from tests.test_cluster import redis_url  # noqa: F401 — the fixture: a redis-server of the test's own
from tests.test_warc import Warc, _ina, import_bytes

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
URL, CT = "https://www.ina.iq/111563--.html", [("Content-Type", "text/html; charset=utf-8")]


def test_archive_captures_dated_after_now_or_before_the_web_are_refused_and_counted(tmp_path):
    db = tmp_path / "rasid.db"
    html = _ina("111563")
    edited = html.replace("بغداد – واع".encode(), "بغداد – واع (محدث)".encode())
    warc = Warc()
    warc.response(URL, "2026-11-20T08:00:00Z", 200, CT, html)
    warc.response(URL, "9999-12-31T23:59:59Z", 200, CT, html)  # the same bytes: it would be a sight in 9999
    warc.response(URL, "2026-12-05T00:00:00Z", 200, CT, edited)  # the day after tomorrow
    warc.response("https://www.ina.iq/111570--.html", "1970-01-01T00:00:00Z", 200, CT, _ina("111570"))
    counts = import_bytes(db, warc.bytes(), tmp_path, now=NOW)
    assert counts.outcomes["new"] == 1 and counts.stored == 1
    assert counts.outcomes["WARC-Date after now"] == 2 and counts.outcomes["WARC-Date before the web"] == 1
    assert "  left as they were: 2 WARC-Date after now, 1 WARC-Date before the web" in list(import_summary(counts))
    (article,) = rows(db, "SELECT url, first_seen, last_seen, versions FROM articles")
    assert article == {"url": URL, "first_seen": "2026-11-20T08:00:00.000+00:00",
                       "last_seen": "2026-11-20T08:00:00.000+00:00", "versions": 1}

    # a real capture after it is stored as the edit it is (the sight of 9999 made it "older" before)
    later = Warc()
    later.response(URL, "2026-11-25T08:00:00Z", 200, CT, edited)
    counts = import_bytes(db, later.bytes(), tmp_path, "later.warc.gz", now=NOW)
    assert counts.outcomes["changed"] == 1
    assert rows(db, "SELECT last_seen FROM articles") == [{"last_seen": "2026-11-25T08:00:00.000+00:00"}]


@pytest.mark.slow
def test_pages_from_a_worker_whose_clock_runs_ahead_are_stored_at_the_writers_time(tmp_path, redis_url):  # noqa: F811
    db = tmp_path / "rasid.db"
    Store(db).close()
    html = _ina("111563").decode("utf-8")

    def page(at: str, text: str = html) -> FetchedPage:
        fetched = FetchedPage(site="ina", url=URL, status=200, fetched_at=at, html=text)
        fetched.article = extract_article(text, URL, reference=at, tz="Asia/Baghdad")
        return fetched

    later = datetime(2026, 12, 3, 12, 0, 1, tzinfo=UTC)
    said: list[str] = []
    writer = Writer(load_config(), db, redis_url, clock=iter([NOW, later]).__next__,  # a batch, a reading
                    say=said.append)
    store = Store(db)
    recorder = Recorder(store)
    try:
        writer.write(store, recorder, [(b"1-0", {b"page": shared.pack(page("2026-12-04T00:00:05.000+00:00"))})])
        # a fetch of the edited page a little later, by a worker whose clock is right
        edited = html.replace("بغداد – واع", "بغداد – واع (محدث)")
        writer.write(store, recorder, [(b"2-0", {b"page": shared.pack(page("2026-12-03T12:00:00.500+00:00",
                                                                            edited))})])
    finally:
        store.close()
    assert writer.counts["clock ahead"] == 1, writer.counts
    assert writer.counts["new"] == 1 and writer.counts["changed"] == 1
    assert any("2026-12-04T00:00:05.000+00:00" in line and "after now" in line for line in said), said
    (article,) = rows(db, "SELECT first_seen, last_seen, versions FROM articles")
    assert article == {"first_seen": "2026-12-03T12:00:00.000+00:00", "last_seen": "2026-12-03T12:00:00.500+00:00",
                       "versions": 2}
