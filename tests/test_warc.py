"""WARC import and export: archive captures of the snapshot sites, written with warcio from what the
replay server answers over loopback (status, headers and bytes as sent), imported into a store
and compared with what crawling the same sites live gives; damaged files; the round trip."""

from __future__ import annotations

import gzip
import io
import os
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
import zlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.archive.exporter import ExportError, export_warc
from crawler.archive.importer import Importer
from crawler.archive.reader import Capture, Damage, Skipped, read_captures
from crawler.demo.demo import apply_demo_update
from crawler.demo.replay import ReplayServer
from db.store import Store
from monitor.config import DEMO_UPDATE, SNAPSHOTS, load_sites
from tests.conftest import SNAPSHOT_ARTICLES, base_url_args, rows, run_rasid
from tests.hostile import gzip_bomb

SITES = load_sites()
DAY_ONE, DAY_TWO = "2026-11-20T08:00:00.000Z", "2026-11-21T08:00:00.000Z"


# --- writing WARC files as an archive would ---------------------------------------------------


class Warc:
    """A WARC file being written (gzip per record, or none), for the tests."""

    def __init__(self, gz: bool = True):
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=gz)
        self.writer.write_record(self.writer.create_warcinfo_record("test.warc.gz", {"software": "tests"}))

    def response(self, url: str, date: str, status: int, headers: list[tuple[str, str]], body: bytes,
                 reason: str = "OK") -> int:
        """Write one response record; returns where it starts in the file."""
        offset = self.buffer.tell()
        http = StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1")
        self.writer.write_record(self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict={"WARC-Date": date}))
        return offset

    def bytes(self) -> bytes:
        return self.buffer.getvalue()


def _paths(root: Path) -> list[str]:
    """Every path a site's snapshot answers, as a URL path (index files as their folder): feeds and
    sitemaps first, as a crawler that finds the articles through them captures them."""
    out = []
    for file in sorted(root.rglob("*"), key=lambda f: (f.suffix != ".xml", f)):
        if file.is_file() and not file.name.startswith("_"):
            path = "/" + file.relative_to(root).as_posix()
            out.append(path.removesuffix("index.html").removesuffix("index.xml"))
    return out


def capture_sites(warc: Warc, server: ReplayServer, root: Path, date: str, extra_paths=()) -> dict[str, int]:
    """What an archive crawling every snapshot site at `date` keeps: every page each site answers
    (articles, feeds, sitemaps, home pages; redirects and 404s as answered), under the live URLs.
    Returns where each URL's record starts."""
    offsets = {}
    opener = urllib.request.build_opener(_NoRedirects)
    for key, origin in server.base_urls.items():
        for path in _paths(root / key) + [p for s, p in extra_paths if s == key]:
            try:
                answer = opener.open(origin + quote(path), timeout=30)
            except urllib.error.HTTPError as error:  # 3xx, 404, 410: answers too
                answer = error
            body = answer.read()
            url = SITES[key].absolute(quote(path))
            offsets[url] = warc.response(url, date, answer.status, list(answer.headers.items()), body, answer.reason)
    return offsets


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # an archive keeps the 301 itself


def removed_paths() -> list[tuple[str, str]]:
    lines = (DEMO_UPDATE / "_removed.txt").read_text(encoding="utf-8").split()
    return [(line.split("/", 1)[0], "/" + line.split("/", 1)[1]) for line in lines]


def import_bytes(db: Path, data: bytes, tmp_path: Path, name: str = "import.warc.gz", **options):
    path = tmp_path / name
    path.write_bytes(data)
    store = Store(db)
    try:
        return Importer(store, list(SITES.values()), **{"now": datetime.now(UTC), **options}).run([str(path)])
    finally:
        store.close()


def contents(db: Path) -> dict:
    """What a user compares between two stores: each article as stored, its versions' texts in
    order, the reprint stories."""
    return {
        # not published_precision: a crawl reads a byline-dated page with its feed's date (to the
        # second) when the feed was parsed before the page arrived, else the byline's (to the minute)
        "articles": rows(db, "SELECT url, site, title, text, published_at, modified_at, author, "
                             "section, tags, image, lang, status, versions FROM articles ORDER BY url"),
        "versions": rows(db, "SELECT a.url, v.content_hash, v.title, v.text FROM versions v "
                             "JOIN articles a ON a.id = v.article_id ORDER BY a.url, v.id"),
        "reprints": rows(db, "SELECT a.url, s.url AS source, r.kind FROM reprints r JOIN articles a ON "
                             "a.id = r.article_id JOIN articles s ON s.id = r.source_id ORDER BY a.url"),
    }


def counts_of(db: Path) -> dict:
    return {table: rows(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]
            for table in ("articles", "versions", "alerts", "reprints", "signatures")}


# --- the snapshots, archived twice, against two live crawls -------------------------------------


@pytest.mark.slow
def test_an_archive_of_the_snapshots_gives_what_crawling_them_twice_gives(tmp_path, snapshot_root, replay):
    # the archive: every page of every site on day one, the demo's changes, every page on day two
    # (the removed article answering 404), a page of a site Rasid does not watch, and one damaged record
    warc = Warc()
    day_one = capture_sites(warc, replay, snapshot_root, DAY_ONE)
    warc.response("https://www.bbc.com/arabic/articles/c1", DAY_ONE, 200, [("Content-Type", "text/html")],
                  (SNAPSHOTS / "ina" / "111570--.html").read_bytes())
    crawled = tmp_path / "crawled.db"
    run_rasid("crawl", "--db", str(crawled), *base_url_args(replay))
    apply_demo_update(snapshot_root)
    replay.reload()
    capture_sites(warc, replay, snapshot_root, DAY_TWO, extra_paths=removed_paths())
    run_rasid("crawl", "--db", str(crawled), *base_url_args(replay))
    archive = bytearray(warc.bytes())
    broken = day_one["https://www.ina.iq/111577--.html"]  # a day-one capture of an article not edited
    archive[broken + 40:broken + 80] = bytes(40)  # its gzip member no longer inflates

    imported = tmp_path / "imported.db"
    counts = import_bytes(imported, bytes(archive), tmp_path, workers=2)  # extracted in a pool of two, in order
    assert len(counts.damaged) == 1 and "does not inflate" in counts.damaged[0]
    assert counts.outcomes["other site"] == 1
    assert counts.outcomes["new"] == SNAPSHOT_ARTICLES + 1  # the demo adds one article on day two
    assert counts.outcomes["changed"] == 1 and counts.outcomes["removed"] == 1

    # the damaged record was the article's first capture: it is stored from its second
    expected, got = contents(crawled), contents(imported)
    assert got == expected
    assert not rows(imported, "SELECT * FROM alerts")  # history is not news
    assert rows(imported, "SELECT DISTINCT site FROM articles ORDER BY site") == [
        {"site": s} for s in sorted(SITES)]
    edited = rows(imported, "SELECT a.url, v.fetched_at FROM versions v JOIN articles a ON a.id = v.article_id "
                            "WHERE a.versions = 2 ORDER BY v.id")
    assert [v["fetched_at"] for v in edited] == ["2026-11-20T08:00:00.000+00:00", "2026-11-21T08:00:00.000+00:00"]

    # the same file again adds nothing; the whole-file gzip of it gives the same store
    before = counts_of(imported)
    again = import_bytes(imported, bytes(archive), tmp_path)
    assert counts_of(imported) == before and again.stored == 0 and again.outcomes["known"] > SNAPSHOT_ARTICLES
    whole = gzip.compress(gzip.decompress(warc.bytes()))  # one gzip member for every record
    whole_db = tmp_path / "whole.db"
    assert not import_bytes(whole_db, whole, tmp_path, "whole.warc.gz").damaged
    assert contents(whole_db) == expected

    # the crawled store, exported: warcio's checker accepts it, and it imports as the same store
    out = tmp_path / "export.warc.gz"
    exported = run_rasid("export", "warc", str(out), "--db", str(crawled))
    assert f"versions, 1 removal) of {SNAPSHOT_ARTICLES + 1:,} articles" in exported.stdout  # not "1 removals"
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", "-v", str(out)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # every record's digests checked: the warcinfo, 35 + 2 versions (one new article, one edit), the removal
    assert check.stdout.count("digest pass") == 1 + SNAPSHOT_ARTICLES + 2 + 1 and "fail" not in check.stdout
    round_trip = tmp_path / "round-trip.db"
    result = run_rasid("import", "warc", str(out), "--db", str(round_trip))
    assert "0 damaged" in result.stdout
    assert contents(round_trip) == expected
    assert rows(round_trip, "SELECT url, removed_status FROM articles WHERE status = 'removed'") == rows(
        crawled, "SELECT url, removed_status FROM articles WHERE status = 'removed'")


# --- reading damaged files (no server) ---------------------------------------------------------


def _page(n: int) -> bytes:
    return f"<html><body><article><p>الخبر رقم {n} في بغداد</p></article></body></html>".encode()


def _small(gz: bool, pages: int = 4) -> bytes:
    warc = Warc(gz)
    for n in range(pages):
        warc.response(f"https://www.ina.iq/{n}--.html", f"2026-11-20T10:00:0{n}Z", 200,
                      [("Content-Type", "text/html; charset=utf-8")], _page(n))
    return warc.bytes()


def _read(data: bytes) -> list:
    return list(read_captures(io.BytesIO(data)))


def _urls(items) -> list[str]:
    return [i.url for i in items if isinstance(i, Capture)]


ALL = [f"https://www.ina.iq/{n}--.html" for n in range(4)]


@pytest.mark.parametrize("kind", ["per-record gzip", "whole-file gzip", "uncompressed"])
def test_every_compression_reads_alike(kind):
    data = {"per-record gzip": _small(True), "uncompressed": _small(False),
            "whole-file gzip": gzip.compress(_small(False))}[kind]
    items = _read(data)
    assert _urls(items) == ALL
    assert isinstance(items[0], Skipped) and items[0].kind == "warcinfo"
    first = items[1]
    assert first.status == 200 and first.body == _page(0) and first.date == "2026-11-20T10:00:00.000+00:00"
    assert first.content_type == "text/html; charset=utf-8"


def _members(data: bytes) -> list[int]:
    starts, at = [], data.find(b"\x1f\x8b\x08")
    while at >= 0:
        starts.append(at)
        at = data.find(b"\x1f\x8b\x08", at + 1)
    return starts


def test_a_member_that_does_not_inflate_costs_its_record_only():
    data = bytearray(_small(True))
    third = _members(bytes(data))[3]  # warcinfo, 0, 1, [2], 3
    data[third + 30:third + 70] = bytes(40)
    items = _read(bytes(data))
    assert _urls(items) == [ALL[0], ALL[1], ALL[3]]
    assert [i.why for i in items if isinstance(i, Damage)] == [items[3].why] and "inflate" in items[3].why


def test_a_truncated_file_keeps_the_records_before_the_cut():
    data = _small(True)
    items = _read(data[:_members(data)[4] + 60])
    assert _urls(items) == ALL[:3]
    assert isinstance(items[-1], Damage) and "truncated" in items[-1].why
    cut = _small(False)
    items = _read(cut[:-30])  # uncompressed: the last record's payload is short
    assert _urls(items) == ALL[:3] and "cut short" in items[-1].why


def test_a_changed_payload_fails_its_digest_and_the_reading_goes_on():
    data = _small(False).replace("الخبر رقم 1".encode(), "الخبر رقم 9".encode())
    items = _read(data)
    assert _urls(items) == [ALL[0], ALL[2], ALL[3]]
    assert any(isinstance(i, Damage) and "digest" in i.why and ALL[1] in i.why for i in items)


def test_a_record_that_does_not_parse_is_passed_over_to_the_next_record():
    # the second record's header block is garbage: reading resumes at the next "WARC/1.x" line
    data = _small(False)
    at = data.find(b"WARC/1.", data.find(b"WARC/1.", data.find(b"WARC/1.") + 1) + 1)
    data = data[:at] + b"GARBAGE/9.9\r\nnot: a header\r\n\r\n" + data[at + 8:]
    items = _read(data)
    assert ALL[3] in _urls(items) and any(isinstance(i, Damage) for i in items)


def test_bytes_that_are_no_warc_at_all_are_damage_not_a_crash():
    items = _read(b"\x1f\x8b\x08" + bytes(500))
    assert items and all(isinstance(i, Damage) for i in items)
    assert all(isinstance(i, Damage) for i in _read(b"<html>not a warc</html>\n" * 50))


def test_an_arc_file_is_read_as_warc():
    body = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + _page(7)
    head = b"filedesc://t.arc 0.0.0.0 20200828101500 text/plain 76\n1 0 Rasid\nURL IP-address Archive-date " \
           b"Content-type Archive-length\n"
    record = b"https://www.ina.iq/7--.html 1.2.3.4 20200828101500 text/html %d\n" % len(body) + body + b"\n"
    items = _read(head.replace(b" 76\n", b" %d\n" % (len(head.split(b"\n", 1)[1]))) + b"\n" + record)
    captures = [i for i in items if isinstance(i, Capture)]
    assert [c.url for c in captures] == ["https://www.ina.iq/7--.html"]
    assert captures[0].date == "2020-08-28T10:15:00.000+00:00" and captures[0].body == _page(7)


# --- hostile archives: bombs and lies (issue 27) -------------------------------------------------

GIB = 1 << 30


def _record(url: str, http: bytes, length: int | None = None) -> bytes:
    """A response record as bytes, its Content-Length as given (a lie) or true."""
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2026-11-20T10:00:00Z\r\n"
            f"WARC-Record-ID: <urn:uuid:{abs(hash((url, length))):032x}>\r\n"
            "Content-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http) if length is None else length}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def _http(body: bytes, *headers: str) -> bytes:
    return ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + "".join(h + "\r\n" for h in headers)
            + "\r\n").encode() + body


def _kinds(items) -> list[str]:
    return [type(i).__name__ for i in items]


def _read_in_child(path: Path) -> tuple[list[str], float]:
    """(each item as "Kind url", peak RSS in MB) of reading `path` in a child process, whose address
    space is capped at 2 GB: a reader that inflates a 1 GiB bomb whole fails there at once."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from crawler.archive.reader import read_captures; "
            "[print(type(i).__name__, getattr(i, 'url', '')) for i in read_captures(open(sys.argv[1], 'rb'))]; "
            # VmHWM, the child's own peak (ru_maxrss would count the pages of the test process it was forked from)
            "print(next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:')) / 1024)")
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    return [line.strip() for line in lines[:-1]], float(lines[-1])


def test_a_payload_that_inflates_to_a_gigabyte_is_skipped_at_the_page_cap(tmp_path):
    # a 1 MB record whose Content-Encoding: gzip inflates to 1 GiB (2.7 GB of memory before)
    bomb_url = "https://www.ina.iq/9--.html"
    for gz in (True, False):
        warc = Warc(gz)
        warc.response(ALL[0], "2026-11-20T10:00:00Z", 200, [("Content-Type", "text/html")], _page(0))
        warc.response(bomb_url, "2026-11-20T10:00:01Z", 200, [("Content-Type", "text/html"),
                      ("Content-Encoding", "gzip")], gzip_bomb(GIB, b"<html><body><p>"))
        warc.response(ALL[1], "2026-11-20T10:00:02Z", 200, [("Content-Type", "text/html")], _page(1))
        path = tmp_path / f"bomb-{gz}.warc.gz"
        path.write_bytes(warc.bytes())
        items, peak_mb = _read_in_child(path)
        assert items == ["Skipped", f"Capture {ALL[0]}", f"TooBig {bomb_url}", f"Capture {ALL[1]}"]
        assert peak_mb < 300, peak_mb  # reading stopped at the 10 MB cap
    # a payload under the cap is still decoded, gzip or deflate, and one sent plain under the header kept
    warc = Warc()
    for n, (encoding, body) in enumerate((("gzip", gzip.compress(_page(0))), ("deflate", zlib.compress(_page(1))),
                                          ("deflate", zlib.compress(_page(2))[2:-4]), ("gzip", _page(3)))):
        warc.response(ALL[n], "2026-11-20T10:00:00Z", 200, [("Content-Type", "text/html"),
                      ("Content-Encoding", encoding)], body)
    assert [c.body for c in _read(warc.bytes()) if isinstance(c, Capture)] == [_page(n) for n in range(4)]


def test_a_record_of_a_gigabyte_in_a_megabyte_of_gzip_is_not_inflated(tmp_path):
    # gzip per record, one member holding a record of 1 GiB (5.3 GB of memory before): its member is
    # left at its headers and the next member found in the compressed bytes
    http = _http(b"", f"Content-Length: {GIB}")
    head = _record("https://www.ina.iq/9--.html", http, len(http) + GIB)[:-4]
    good = Warc()
    good.response(ALL[0], "2026-11-20T10:00:00Z", 200, [("Content-Type", "text/html")], _page(0))
    after = Warc()
    after.response(ALL[1], "2026-11-20T10:00:02Z", 200, [("Content-Type", "text/html")], _page(1))
    path = tmp_path / "gigabyte-record.warc.gz"
    path.write_bytes(good.bytes() + gzip_bomb(GIB, head, b"\r\n\r\n") + after.bytes())
    assert path.stat().st_size < 2 * 2**20
    items, peak_mb = _read_in_child(path)
    assert items == ["Skipped", f"Capture {ALL[0]}", "TooBig https://www.ina.iq/9--.html", "Skipped",
                     f"Capture {ALL[1]}"]
    assert peak_mb < 300, peak_mb
    # in an uncompressed or whole-file gzip, a record past the cap is passed over a chunk at a time
    big = _record("https://www.ina.iq/8--.html", _http(bytes(12 * 2**20)))
    for data in (_small(False, 1) + big + _small(False, 2)[len(_small(False, 0)):],
                 gzip.compress(_small(False, 1) + big + _small(False, 2)[len(_small(False, 0)):])):
        items = _read(data)
        assert _kinds(items) == ["Skipped", "Capture", "TooBig", "Capture", "Capture"]
        assert _urls(items) == [ALL[0], ALL[0], ALL[1]] and items[2].url == "https://www.ina.iq/8--.html"


def test_a_lying_content_length_swallows_none_of_the_records_after_it():
    # an uncompressed WARC: a record announcing 10,000,000,000 bytes, then good records ("1 records,
    # 1 damaged" before, the rest lost): the reading goes on at the next record's first line
    good = b"".join(_record(f"https://www.ina.iq/{n}--.html", _http(_page(n))) for n in range(1000))
    liar = _record("https://www.ina.iq/lie--.html", _http(_page(9)), 10_000_000_000)
    items = _read(liar + good)
    assert len(_urls(items)) == 1000 and _urls(items)[-1] == "https://www.ina.iq/999--.html"
    damage = [i.why for i in items if isinstance(i, Damage)]
    assert damage == ["https://www.ina.iq/lie--.html: its Content-Length (10,000,000,000 bytes) runs past the next "
                      "record: the reading goes on there"]
    # a smaller lie, within the cap: the records inside its block are read, not stored as its page
    liar = _record("https://www.ina.iq/lie--.html", _http(_page(9)), 5_000_000)
    items = _read(liar + good)
    assert len(_urls(items)) == 1000 and "https://www.ina.iq/lie--.html" not in _urls(items)
    assert [i.why for i in items if isinstance(i, Damage)] == [
        "https://www.ina.iq/lie--.html: its Content-Length (5,000,000 bytes) runs over the next record: the "
        "reading goes on there"]
    # gzip per record: the lie is its member's, and the members after it are read
    members = [gzip.compress(_record(f"https://www.ina.iq/{n}--.html", _http(_page(n)))) for n in range(3)]
    items = _read(members[0] + gzip.compress(_record("https://www.ina.iq/lie--.html", _http(_page(9)),
                                                     10_000_000_000)) + members[1] + members[2])
    assert _kinds(items) == ["Capture", "TooBig", "Capture", "Capture"] and len(set(_urls(items))) == 3
    # the last record claiming more than the file holds is cut short, as before
    items = _read(good + liar)
    assert len(_urls(items)) == 1000 and "cut short" in items[-1].why


def test_an_import_counts_records_past_the_cap_and_stores_the_rest(tmp_path):
    warc = Warc()
    warc.response(ALL[0], "2026-11-20T10:00:00Z", 200, [("Content-Type", "text/html")], _ina("111563"))
    warc.response("https://www.ina.iq/111570--.html", "2026-11-20T10:00:00Z", 200,
                  [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], gzip_bomb(64 * 2**20, b"<p>"))
    path = tmp_path / "bomb.warc.gz"
    path.write_bytes(warc.bytes())
    db = tmp_path / "rasid.db"
    result = run_rasid("import", "warc", str(path), "--db", str(db), "--quiet")
    assert "1 larger than 10 MB" in result.stdout and "0 damaged" in result.stdout
    assert [r["url"] for r in rows(db, "SELECT url FROM articles")] == [ALL[0]]


def test_a_record_on_another_port_or_with_a_user_name_is_not_the_sites(tmp_path):
    # before: stored under ina with the user name or port kept in its URL. Refused, not canonicalised:
    # another port is another server, and credentials may be served a page the public is not
    warc, ct = Warc(), [("Content-Type", "text/html; charset=utf-8")]
    for url, page in (("http://evil@www.ina.iq/111563--.html", "111563"), ("https://www.ina.iq:8443/111570--.html",
                      "111570"), ("https://www.ina.iq:443/111577--.html", "111577")):
        warc.response(url, "2026-11-20T08:00:00Z", 200, ct, _ina(page))
    db = tmp_path / "rasid.db"
    counts = import_bytes(db, warc.bytes(), tmp_path)
    assert counts.outcomes["other origin (port or user name)"] == 2
    # the default port named is the same origin: one URL, as the site writes it
    assert rows(db, "SELECT url, site FROM articles") == [{"url": "https://www.ina.iq/111577--.html", "site": "ina"}]


# --- importing: what is kept and what is left out ------------------------------------------------


def _ina(n: str) -> bytes:
    return (SNAPSHOTS / "ina" / f"{n}--.html").read_bytes()


def test_captures_are_versions_in_the_order_seen_and_older_ones_add_nothing(tmp_path):
    db = tmp_path / "rasid.db"
    html = _ina("111563")
    edited = html.replace("بغداد – واع".encode(), "بغداد – واع (محدث)".encode())
    assert edited != html
    url, ct = "https://www.ina.iq/111563--.html", [("Content-Type", "text/html; charset=utf-8")]
    first = Warc()
    first.response(url, "2026-11-20T08:00:00Z", 200, ct, html)
    first.response(url, "2026-11-20T09:00:00Z", 200, ct, html)  # the same bytes later: a sight, no version
    first.response(url, "2026-11-21T08:00:00Z", 200, ct, edited)
    counts = import_bytes(db, first.bytes(), tmp_path)
    assert counts.outcomes["new"] == 1 and counts.outcomes["changed"] == 1 and counts.outcomes["not_modified"] == 1
    article = rows(db, "SELECT * FROM articles")[0]
    assert article["versions"] == 2 and "(محدث)" in article["text"]
    assert article["first_seen"] == "2026-11-20T08:00:00.000+00:00"
    assert article["last_changed"] == "2026-11-21T08:00:00.000+00:00"
    assert not rows(db, "SELECT * FROM alerts")

    # an older archive after the newer one: its capture of a text the store has is known; of a text
    # it does not have, left out (versions are kept in the order seen)
    older = Warc()
    older.response(url, "2026-11-19T08:00:00Z", 200, ct, html)
    older.response(url, "2026-11-18T08:00:00Z", 200, ct, html.replace("بغداد – واع".encode(), b"draft"))
    counts = import_bytes(db, older.bytes(), tmp_path, "older.warc.gz")
    assert counts.outcomes["known"] == 1 and counts.outcomes["older"] == 1 and counts.stored == 0
    assert rows(db, "SELECT count(*) AS n FROM versions")[0]["n"] == 2


def test_alerts_are_raised_only_when_asked(tmp_path):
    url, ct = "https://www.ina.iq/111570--.html", [("Content-Type", "text/html; charset=utf-8")]
    html = _ina("111570")
    warc = Warc()
    warc.response(url, "2026-11-20T08:00:00Z", 200, ct, html)
    warc.response(url, "2026-11-21T08:00:00Z", 200, ct, html.replace("واع".encode(), "واع (محدث)".encode(), 1))
    warc.response(url, "2026-11-22T08:00:00Z", 404, [("Content-Type", "text/html")], b"", "Not Found")
    quiet, loud = tmp_path / "quiet.db", tmp_path / "loud.db"
    import_bytes(quiet, warc.bytes(), tmp_path)
    import_bytes(loud, warc.bytes(), tmp_path, alerts=True)
    assert rows(quiet, "SELECT status, removed_status FROM articles") == [{"status": "removed", "removed_status": 404}]
    assert not rows(quiet, "SELECT * FROM alerts")
    # with alerts, as a crawl: no `new` before a baseline crawl, then the edit and the removal
    assert [a["kind"] for a in rows(loud, "SELECT kind FROM alerts ORDER BY id")] == ["changed", "removed"]


def test_what_is_not_a_listed_sites_article_is_left_out_unless_all_sites(tmp_path):
    ct = [("Content-Type", "text/html; charset=utf-8")]
    warc = Warc()
    warc.response("https://www.ina.iq/", "2026-11-20T08:00:00Z", 200, ct, (SNAPSHOTS / "ina" / "index.html").read_bytes())
    warc.response("https://www.ina.iq/rss.xml", "2026-11-20T08:00:00Z", 200, [("Content-Type", "application/rss+xml")],
                  (SNAPSHOTS / "ina" / "rss.xml").read_bytes())
    warc.response("https://www.ina.iq/111577--.html", "2026-11-20T08:00:00Z", 301,
                  [("Location", "https://www.ina.iq/111584--.html")], b"", "Moved Permanently")
    warc.response("https://news.example.org/2020/08/story", "2026-11-20T08:00:00Z", 200, ct, _ina("111584"))
    warc.response("https://news.example.org/logo.png", "2026-11-20T08:00:00Z", 200, [("Content-Type", "image/png")],
                  b"\x89PNG\r\n\x1a\n" + bytes(100))
    db = tmp_path / "rasid.db"
    counts = import_bytes(db, warc.bytes(), tmp_path)
    assert counts.outcomes == {"record:warcinfo": 1, "not an article URL": 1, "feed": 1, "redirect": 1,
                               "other site": 2}
    assert counts_of(db)["articles"] == 0
    counts = import_bytes(db, warc.bytes(), tmp_path, all_sites=True)
    stored = rows(db, "SELECT site, url, title FROM articles")
    assert [(a["site"], a["url"]) for a in stored] == [("news.example.org", "https://news.example.org/2020/08/story")]
    assert rows(db, "SELECT key, timezone FROM sites") == [{"key": "news.example.org", "timezone": "UTC"}]


def test_a_site_option_keeps_that_sites_pages_only(tmp_path):
    ct = [("Content-Type", "text/html; charset=utf-8")]
    warc = Warc()
    warc.response("https://www.ina.iq/111584--.html", "2026-11-20T08:00:00Z", 200, ct, _ina("111584"))
    warc.response("https://elaph.com/Web/News/2022/04/1470100.html", "2026-11-20T08:00:00Z", 200, ct,
                  (SNAPSHOTS / "elaph" / "Web" / "News" / "2022" / "04" / "1470100.html").read_bytes())
    path = tmp_path / "two.warc.gz"
    path.write_bytes(warc.bytes())
    db = tmp_path / "rasid.db"
    result = run_rasid("import", "warc", str(path), "--site", "elaph", "--db", str(db), "--quiet")
    assert "1 new" in result.stdout and "1 other site" in result.stdout
    assert [a["site"] for a in rows(db, "SELECT site FROM articles")] == ["elaph"]


# --- the command line ------------------------------------------------------------------------------


def test_a_file_that_cannot_be_read_is_one_line_and_exit_2(tmp_path):
    db = tmp_path / "rasid.db"
    result = run_rasid("import", "warc", str(tmp_path / "missing.warc.gz"), "--db", str(db), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("missing.warc.gz: cannot read: No such file or directory")
    result = run_rasid("export", "warc", str(tmp_path / "out.txt"), "--db", str(db), check=False)
    assert result.returncode == 2 and "out.txt: expected a .warc.gz file name" in result.stderr


def test_damage_is_reported_and_exits_1_with_the_rest_imported(tmp_path):
    data = bytearray(_small(True))
    third = _members(bytes(data))[3]
    data[third + 30:third + 70] = bytes(40)
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(bytes(data))
    db = tmp_path / "rasid.db"
    result = run_rasid("import", "warc", str(path), "--db", str(db), check=False)
    assert result.returncode == 1
    assert "1 damaged" in result.stdout and f"damaged: {path}: a gzip member does not inflate" in result.stdout


def test_export_selects_by_site_and_date_and_never_leaves_half_a_file(tmp_path, monkeypatch):
    ct = [("Content-Type", "text/html; charset=windows-1256")]
    html = _ina("111584")
    warc = Warc()
    warc.response("https://www.ina.iq/111584--.html", "2026-11-20T08:00:00Z", 200, ct + [("ETag", '"v1"')], html)
    warc.response("https://www.ina.iq/111591--.html", "2026-11-22T08:00:00Z", 200, ct, _ina("111591"))
    db = tmp_path / "rasid.db"
    import_bytes(db, warc.bytes(), tmp_path)
    out = tmp_path / "since.warc.gz"
    store = Store(db)
    try:
        assert export_warc(store, out, site="ina", since="2026-11-21T00:00:00+03:00")["records"] == 1
        items = _read(out.read_bytes())
        assert _urls(items) == ["https://www.ina.iq/111591--.html"] and items[0].kind == "warcinfo"
        assert export_warc(store, out, site="elaph", force=True)["records"] == 0
        export_warc(store, out, force=True)
        first = next(i for i in _read(out.read_bytes()) if isinstance(i, Capture))
        # the bytes are the page as stored, in UTF-8, and say so; the validators are kept
        assert first.content_type == "text/html; charset=utf-8" and first.etag == '"v1"'
        assert "بغداد".encode() in first.body

        def broken(*args, **kwargs):
            yield next(Store.captures(store))
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(store, "captures", broken)
        failed = tmp_path / "failed.warc.gz"
        with pytest.raises(sqlite3.OperationalError):
            export_warc(store, failed)
        assert sorted(p.name for p in tmp_path.iterdir() if "failed" in p.name) == []
    finally:
        store.close()


def test_export_into_a_folder_it_cannot_write_in_is_one_line_and_exit_2(tmp_path):
    # a 40-line traceback and exit 1 before
    db = tmp_path / "rasid.db"
    import_bytes(db, _small(True), tmp_path)
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:  # root writes where chmod forbids it; nobody creates a file in sysfs
        folder = Path("/sys")
    result = run_rasid("export", "warc", str(folder / "out.warc.gz"), "--db", str(db), check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: {folder / 'out.warc.gz'}: cannot write in {folder}: Permission denied"]


def test_export_overwrites_a_file_only_when_forced(tmp_path, monkeypatch):
    db = tmp_path / "rasid.db"
    import_bytes(db, _small(True), tmp_path)
    out = tmp_path / "mine.warc.gz"
    out.write_bytes(b"a file of mine")
    result = run_rasid("export", "warc", str(out), "--db", str(db), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"Error: {out}: exists already: pass --force to overwrite it"]
    assert out.read_bytes() == b"a file of mine"
    run_rasid("export", "warc", str(out), "--db", str(db), "--force")
    assert _urls(_read(out.read_bytes())) == ALL
    # a file that appears while the export runs is not overwritten either
    late = tmp_path / "late.warc.gz"
    store = Store(db)
    try:
        def captures(*args, **kwargs):
            late.write_bytes(b"written meanwhile")
            yield from Store.captures(store, *args, **kwargs)

        monkeypatch.setattr(store, "captures", captures)
        with pytest.raises(ExportError, match="exists already"):
            export_warc(store, late)
    finally:
        store.close()
    assert late.read_bytes() == b"written meanwhile"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("late")) == ["late.warc.gz"]


def test_a_url_that_does_not_answer_is_one_line_and_exit_2_with_nothing_imported(tmp_path):
    # README: "2 for a file or URL that cannot be opened"; every source is opened before anything is written
    path = tmp_path / "good.warc.gz"
    path.write_bytes(_small(True))
    db = tmp_path / "rasid.db"
    dead = "http://127.0.0.1:9/CC-NEWS-20240101000000-00000.warc.gz"  # the discard port: nothing listens
    result = run_rasid("import", "warc", str(path), dead, "--db", str(db), "--quiet", check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip().splitlines() == [f"Error: {dead}: cannot fetch: Failed to establish a new "
                                                  "connection: [Errno 111] Connection refused"]
    assert not db.exists() or not rows(db, "SELECT url FROM articles")


def test_a_long_import_reports_its_progress(tmp_path, monkeypatch):
    from crawler.archive import importer as warc_import
    from crawler.report import import_progress

    monkeypatch.setattr(warc_import, "PROGRESS_EVERY", 2)
    path = tmp_path / "four.warc.gz"
    path.write_bytes(_small(True))
    lines = []
    store = Store(tmp_path / "rasid.db")
    try:
        Importer(store, list(SITES.values()), now=datetime.now(UTC),
                 progress=lambda counts: lines.append(import_progress(counts))).run(
            [str(path)])
    finally:
        store.close()
    # 5 records (the warcinfo and four pages): a line after the 2nd and the 4th
    assert len(lines) == 2 and lines[0].startswith("  2 records read · 1 articles stored or edited")
    assert lines[1].startswith("  4 records read · 3 articles stored or edited") and "ina 3" in lines[1]



def test_a_store_that_fills_up_stops_the_import_with_one_line_and_stays_whole(tmp_path):
    from tests.test_crashes import assert_whole

    warc = Warc()
    ct = [("Content-Type", "text/html; charset=utf-8")]
    for site, folder in (("ina", "ina"), ("elaph", "elaph")):
        for file in sorted((SNAPSHOTS / folder).rglob("*.html")):
            path = "/" + file.relative_to(SNAPSHOTS / folder).as_posix()
            warc.response(SITES[site].absolute(path), "2026-11-20T08:00:00Z", 200, ct, file.read_bytes())
    archive = tmp_path / "two-sites.warc.gz"
    archive.write_bytes(warc.bytes())
    config = tmp_path / "rasid.toml"
    config.write_text("max_store_mb = 0.2\n", encoding="utf-8")  # 51 pages of 4 KB: the schema takes 32
    db = tmp_path / "rasid.db"
    result = run_rasid("import", "warc", str(archive), "--db", str(db), "--config", str(config), "--quiet",
                       check=False)
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert "cannot write to the store" in line and "the import stops here" in line
    stored = rows(db, "SELECT count(*) AS n FROM articles")[0]["n"]
    assert 0 < stored < 14  # some articles went in whole before the store filled up
    assert rows(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    assert not rows(db, "SELECT a.url FROM articles a WHERE a.versions != (SELECT count(*) FROM versions v "
                        "WHERE v.article_id = a.id) OR a.id NOT IN (SELECT article_id FROM articles_search)")
    assert_whole(db)
