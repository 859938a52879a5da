"""No stored value breaks a page or a command: a store whose every time column (articles, versions,
alerts, deliveries, crawls, reprints, not_articles, sites) holds year 1, year 9999, a time without a
zone, garbage, an empty string, NULL and a day after tomorrow, and sites whose zone is unknown. Every
page and canned query of `rasid serve` (in process, through Datasette's own client) answers 200,
each shows the odd value as written, and every reading command exits 0."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from crawler.cli import main
from crawler.daemon.alerts import alert_record, deliver_pending, message
from db.store import Store
from monitor.changes import ALERT_KINDS
from monitor.config import AlertSettings
from tests.test_instants import EXTREMES
from web import plugin
from web.serve import METADATA, datasette

pytestmark = pytest.mark.xdist_group("extreme_values")  # one xdist worker runs the module: its shared fixtures are built once

# the web view's "today" and the commands' "now" are the machine's: a day after tomorrow is the future
FUTURE = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="milliseconds")
VALUES = [*EXTREMES, None, FUTURE]
SITES = {"ina": "Asia/Baghdad", "odd": "Not/AZone", "blank": ""}
WORD = "الكاظمي"
DELAYS = [0, -300, 10**12, "garbage", None, 3.5, -(10**12)]


def seed(db: Path) -> None:
    """The store, written as a hand or a broken tool could have left it (raw SQL, not the Store's
    rules, which no longer let such values in)."""
    Store(db).close()  # every table, as migrated
    conn = sqlite3.connect(db)
    sites = list(SITES)
    for n, (key, zone) in enumerate(SITES.items()):
        conn.execute("INSERT INTO sites (key, name, base_url, timezone, first_crawl_at, last_crawl_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", [key, f"موقع {key}", f"https://{key}.example", zone,
                                                   VALUES[n], VALUES[-1 - n]])
    for n, value in enumerate(VALUES):
        article_id, site = n + 1, sites[n % len(sites)]
        url = f"https://{site}.example/{article_id}"
        text = f"{WORD} يزور البصرة في الخبر رقم {article_id} ويلتقي المسؤولين هناك."
        conn.execute(
            "INSERT INTO articles (id, url, site, title, text, published_at, published_precision, modified_at, "
            "first_seen, last_seen, last_changed, removed_at, status, versions, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, 'minute', ?, ?, ?, ?, ?, ?, 2, 'x')",
            [article_id, url, site, f"{WORD} خبر {article_id}", text, value, value, value if value is not None else "",
             value, value, value, "removed" if n % 3 == 2 else "live"])
        conn.execute("INSERT INTO articles_search (article_id, title, text) VALUES (?, ?, ?)",
                     [article_id, WORD, WORD + " البصرة"])
        for fetched in (value, "2026-11-20T10:00:00.000+00:00"):
            conn.execute("INSERT INTO versions (article_id, fetched_at, content_hash, title, text, html_gz, status) "
                         "VALUES (?, ?, 'x', ?, ?, ?, 200)",
                         [article_id, fetched, f"{WORD} خبر", text + (" محدث" if fetched == value else ""),
                          zlib.compress(f"<p>{text}</p>".encode())])
        crawl = conn.execute("INSERT INTO crawls (site, started_at, finished_at, status, error_log) "
                             "VALUES (?, ?, ?, 'ok', ?)", [site, value, value, json.dumps([f"{value}: oops"])]).lastrowid
        for m, kind in enumerate(ALERT_KINDS):
            alert = conn.execute(
                "INSERT INTO alerts (kind, article_id, site, url, title, created_at, crawl_id, diff, delivered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [kind, article_id, site, url, f"{WORD} {article_id}", value, crawl,
                 "[-قديم-] {+جديد+}" if kind == "changed" else None, value if m % 2 else None]).lastrowid
            conn.execute("INSERT INTO deliveries (alert_id, channel, attempts, next_attempt_at, delivered_at) "
                         "VALUES (?, 'console', 1, ?, ?)", [alert, value, None])
        if article_id > 1:
            conn.execute("INSERT INTO reprints (article_id, source_id, similarity, jaccard, kind, delay_seconds, "
                         "found_at) VALUES (?, 1, 0.9, 0.85, 'copy', ?, ?)",
                         [article_id, DELAYS[n % len(DELAYS)], value])
        conn.execute("INSERT INTO not_articles (url, site, first_seen, evidence) VALUES (?, ?, ?, 'a section')",
                     [f"https://{site}.example/section/{article_id}", site, value])
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("extreme") / "extreme.db"
    seed(db)
    return db


def _paths(db: Path) -> list[str]:
    """Every page of the web view on this store, and every table and canned query with its JSON."""
    name = db.stem
    conn = sqlite3.connect(db)
    articles = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id")]
    versions = conn.execute("SELECT article_id, group_concat(id) FROM versions GROUP BY article_id").fetchall()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                                         "AND name NOT LIKE 'sqlite_%'")]
    conn.close()
    paths = ["/", f"/{name}", "/-/search", f"/-/search?q={WORD}", f"/-/search?q={WORD}&site=odd",
             f"/-/search?q={WORD}&site=blank"]
    for article in articles:
        paths += [f"/-/article/{article}", f"/{name}/articles/{article}", f"/{name}/articles/{article}.json"]
    for article, ids in versions:
        first, second = ids.split(",")
        paths += [f"/-/article/{article}?from={first}&to={second}", f"/-/article/{article}/version/{first}.html"]
    feeds = [("", "")] + [("", kind) for kind in ALERT_KINDS] + [(site, "") for site in [*SITES, "nosuch"]]
    feeds += [("ina", "changed"), ("nosuch", "restored")]
    paths += [f"/-/alerts.atom?site={site}&kind={kind}" for site, kind in feeds]
    paths += [f"/{name}/alerts_feed.atom?site={site}&kind={kind}" for site, kind in feeds]
    for table in tables:
        paths += [f"/{name}/{table}", f"/{name}/{table}.json", f"/{name}/{table}.json?_shape=array"]
    paths += [f"/{name}/articles?_sort=published_at", f"/{name}/articles?_sort_desc=first_seen",
              f"/{name}/articles?_facet_date=first_seen", f"/{name}/versions?_sort=fetched_at"]
    queries = yaml.safe_load(METADATA.read_text(encoding="utf-8"))["databases"]["store"]["queries"]
    params = {"search": f"q={WORD}", "first_to_publish": "site=", "alerts_feed": "site=&kind="}
    for query in queries:
        extra = params.get(query, "")
        paths += [f"/{name}/{query}?{extra}", f"/{name}/{query}.json?{extra}"]
    paths += [f"/{name}/first_to_publish?site=ina", f"/{name}/first_to_publish.json?site=odd"]
    return paths


async def _get(db: Path, paths: list[str]) -> dict[str, tuple[int, str]]:
    plugin._ZONES.clear()  # read once per server: this is another server's store
    app = datasette(db)
    await app.invoke_startup()
    out = {}
    for path in paths:
        response = await app.client.get(path, follow_redirects=True)
        out[path] = (response.status_code, response.text)
    return out


def answers_of(db: Path, paths: list[str]) -> dict[str, tuple[int, str]]:
    """(status, body) of each path, asked of `rasid serve`'s Datasette on `db` in this process."""
    try:
        return asyncio.run(_get(db, paths))
    finally:  # the plugin caps SQLite's heap for the whole process: lift it for the other tests
        sqlite3.connect(":memory:").execute("PRAGMA hard_heap_limit = 0")


@pytest.fixture(scope="module")
def answers(store):
    return answers_of(store, _paths(store))


def test_every_page_and_query_of_the_web_view_answers_200(answers):
    failed = {path: text[-300:] for path, (status, text) in answers.items() if status != 200}
    assert failed == {}
    assert len(answers) > 150


def test_values_that_are_not_times_are_shown_as_written(store, answers):
    by_value = {value: n + 1 for n, value in enumerate(VALUES)}
    page = answers[f"/-/article/{by_value['9999-12-31T22:00:00+00:00']}"][1]
    assert "9999-12-31T22:00:00+00:00" in page  # not in Baghdad's zone: past the calendar's end
    assert "garbage" in answers[f"/-/article/{by_value['garbage']}"][1]
    home = answers["/"][1]
    assert f"{WORD} خبر" in home  # the latest articles are listed, whatever their times


def test_the_atom_feed_lists_its_alerts_and_is_a_feed_when_empty(answers):
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    every = ET.fromstring(answers["/-/alerts.atom?site=&kind="][1])
    assert len(every.findall(f"{atom}entry")) == len(VALUES) * len(ALERT_KINDS)
    none = ET.fromstring(answers["/-/alerts.atom?site=nosuch&kind="][1])
    assert none.tag == f"{atom}feed" and none.findall(f"{atom}entry") == []


def test_an_empty_store_has_an_empty_feed_not_an_error(tmp_path):
    db = tmp_path / "empty.db"
    Store(db).close()
    found = answers_of(db, ["/", "/-/alerts.atom", "/-/alerts.atom?kind=restored", "/empty/alerts_feed.atom?site=&kind=",
                            "/-/search?q=x"])
    assert {path: status for path, (status, _) in found.items()} == dict.fromkeys(found, 200)
    assert "<feed" in found["/-/alerts.atom"][1] and "<entry" not in found["/-/alerts.atom"][1]


@pytest.mark.parametrize("command", [
    ["status"], ["search", WORD], ["search", WORD, "--json"], ["search", WORD, "--site", "ina"],
    ["reprints"], ["reprints", "--json"], ["reprints", "--since", "2020-01-01"],
])
def test_every_reading_command_exits_0(store, command):
    result = CliRunner().invoke(main, [*command, "--db", str(store)])
    assert result.exit_code == 0, result.output + repr(result.exception)


def test_export_warc_writes_what_it_can_date_and_says_what_it_left_out(store, tmp_path):
    out = tmp_path / "out.warc.gz"
    result = CliRunner().invoke(main, ["export", "warc", str(out), "--db", str(store)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert out.exists() and "left out" in result.output
    since = CliRunner().invoke(main, ["export", "warc", str(tmp_path / "since.warc.gz"), "--since", "2021", "--db",
                                      str(store)])  # a year: from its start
    assert since.exit_code == 0, since.output + repr(since.exception)
    from warcio.archiveiterator import ArchiveIterator

    with out.open("rb") as f:
        dates = [r.rec_headers.get_header("WARC-Date") for r in ArchiveIterator(f) if r.rec_type == "response"]
    assert dates and all(d.endswith("Z") and d[:4].isdigit() for d in dates)  # every record a WARC date in UTC


def test_alert_delivery_formats_every_alert(store, tmp_path):
    db = tmp_path / "copy.db"
    db.write_bytes(store.read_bytes())
    opened = Store(db)
    try:
        pending = opened.undelivered_alerts()
        assert pending
        for alert in pending:
            title, body = message(alert, ["*"])
            json.dumps(alert_record(alert, ["*"]), ensure_ascii=False)
            assert alert["url"].split("/")[-1] in body
        counts = deliver_pending(opened, AlertSettings(jsonl=tmp_path / "alerts.jsonl", console=False), (),
                                 now=datetime(2026, 12, 3, tzinfo=UTC))
    finally:
        opened.close()
    assert counts["failed"] == 0 and counts["delivered"] + counts["filtered"] == len(pending)
