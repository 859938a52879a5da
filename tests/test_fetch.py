"""Every fetch outside Scrapy (`rasid extract URL`, `sites add`, `sites check`, `import warc URL`)
through the one client, crawler.net.fetch: the crawl's address policy on every URL (not only the first
one's redirects), a total deadline and a size cap. Hostile servers on loopback (tests/hostile.py);
the address typed is trusted, as a replay server on loopback is, and nothing else on this machine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import run_rasid
from tests.hostile import Answer, HostileServer, gzip_bomb

PAGE = b"<html><body><h1>x</h1><p>" + "نص خبر سري لا يخرج من هذا الجهاز. ".encode() * 20 + b"</p></body></html>"


@pytest.fixture
def servers():
    """The hostile site (the address the user types) and another port of this machine behind it."""
    site, inside = HostileServer(), HostileServer()
    inside.route("/secret", Answer(200, b"SECRET-FIRST-LINE " + PAGE))
    try:
        yield site, inside
    finally:
        site.close()
        inside.close()


def test_the_address_typed_is_trusted_and_nothing_it_names_inside(servers):
    from crawler.net.fetch import FetchError, fetch

    site, inside = servers
    site.route("/page", Answer(200, PAGE))
    site.route("/same", Answer(302, b"", {"Location": "/page"}))
    site.route("/port", Answer(302, b"", {"Location": f"{inside.base_url}/secret"}))
    site.route("/name", Answer(302, b"", {"Location": f"http://localhost:{inside.port}/secret"}))
    site.route("/meta", Answer(301, b"", {"Location": "http://169.254.169.254/latest/meta-data/"}))
    site.route("/file", Answer(302, b"", {"Location": "file:///etc/passwd"}))
    assert fetch(site.base_url + "/same", trust=(site.base_url,)).url == site.base_url + "/page"
    for path, why in (("/port", f"redirect to {inside.base_url}/secret refused: 127.0.0.1 is a non-public address"),
                      ("/name", "refused: localhost is a non-public address"),  # a name is judged on its addresses
                      ("/meta", "refused: 169.254.169.254 is a non-public address"),
                      ("/file", "refused: scheme file: only http and https are fetched")):
        with pytest.raises(FetchError, match=why):
            fetch(site.base_url + path, trust=(site.base_url,))
    with pytest.raises(FetchError, match=f"^{inside.base_url}/secret: refused: 127.0.0.1 is a non-public"):
        fetch(inside.base_url + "/secret")  # a URL a document names, nobody's choice
    assert inside.hits["/secret"] == 0


def test_a_body_past_the_cap_is_not_read_on_even_when_it_inflates(servers):
    from crawler.net.fetch import FetchError, fetch

    site, _ = servers
    site.route("/big", Answer(200, b"<p>" + bytes(11 * 2**20)))
    site.route("/bomb", Answer(200, gzip_bomb(2**30, b"<html><p>"), {"Content-Encoding": "gzip"}))
    site.route("/small", Answer(200, gzip_bomb(2**20, b"<html><p>"), {"Content-Encoding": "gzip"}))
    for path in ("/big", "/bomb"):
        with pytest.raises(FetchError, match=f"^{site.base_url}{path}: larger than 10 MB: not read further$"):
            fetch(site.base_url + path, trust=(site.base_url,))
    assert len(fetch(site.base_url + "/small", trust=(site.base_url,)).body) == 2**20 + 9  # decoded


@pytest.mark.parametrize("behaviour", ["trickle", "hang"])
def test_a_server_that_trickles_or_hangs_meets_a_total_deadline(servers, behaviour):
    from crawler.net.fetch import FetchError, fetch

    # a byte a second for a minute: a socket timeout is per read and never fires
    site, _ = servers
    site.route("/slow", Answer(200, PAGE[:60], behaviour=behaviour))
    with pytest.raises(FetchError, match=r"/slow: not answered within the 2 s deadline: not read further$"):
        fetch(site.base_url + "/slow", trust=(site.base_url,), deadline=2)


def test_every_command_that_fetches_has_the_deadline(servers, monkeypatch, tmp_path):
    from crawler.archive.importer import Importer
    from crawler.extract_one import PageError, read_page
    from crawler.net import fetch as client
    from crawler.sites.add import NotASite, discover
    from crawler.sites.check import check
    from db.store import Store
    from monitor.site import Site

    site, _ = servers
    site.route("/slow", Answer(200, PAGE[:60], behaviour="trickle"))
    monkeypatch.setattr(client, "DOCUMENT_DEADLINE", 2.0)
    monkeypatch.setattr(client, "ARCHIVE_DEADLINE", 2.0)
    slow = site.base_url + "/slow"
    late = f"{slow}: not answered within the 2 s deadline: not read further"
    with pytest.raises(PageError, match=late):  # rasid extract URL
        read_page(slow, None)
    with pytest.raises(NotASite, match=late):  # rasid sites add URL
        discover(slow)
    watched = Site(key="slow", name="slow", base_url=site.base_url, timezone="UTC", article_patterns=(),
                   feeds=("/slow",))
    assert check(watched, None).problems[0] == "feed " + slow + ": not answered within the 2 s deadline: not read further"
    store = Store(tmp_path / "rasid.db")  # rasid import warc URL: the download
    try:
        counts = Importer(store, [watched], now=datetime.now(UTC)).run([slow])
    finally:
        store.close()
    assert counts.damaged == [late]


@pytest.mark.slow  # `rasid import warc` in a child process
def test_import_warc_follows_no_redirect_inside_and_exits_2(servers, tmp_path):
    site, inside = servers
    site.route("/redir", Answer(302, b"", {"Location": f"{inside.base_url}/secret"}))
    site.route("/meta", Answer(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"}))
    db = tmp_path / "rasid.db"
    for path, target, address in (("/redir", f"{inside.base_url}/secret", "127.0.0.1"),
                                  ("/meta", "http://169.254.169.254/latest/meta-data/", "169.254.169.254")):
        result = run_rasid("import", "warc", site.base_url + path, "--db", str(db), check=False)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.strip().splitlines() == [
            f"Error: {site.base_url}{path}: redirect to {target} refused: {address} is a non-public address ({address})"]
        assert "SECRET" not in result.stdout + result.stderr
    assert inside.hits["/secret"] == 0


def test_sites_add_asks_nothing_the_site_names_on_this_machine(servers):
    # a blind SSRF before: the feed a page declares, the Sitemap: lines of robots.txt and a sitemap
    # index's children were fetched wherever they pointed; only the first URL's redirects were checked
    from crawler.sites.add import NotASite, discover

    site, inside = servers
    elsewhere = inside.base_url
    site.route("/", Answer(200, f'<html><head><title>Hostile</title><link rel="alternate" '
                                f'type="application/rss+xml" href="{elsewhere}/feed"></head><body>'
                                f'<a href="/news/1.html">1</a></body></html>'.encode()))
    site.route("/robots.txt", Answer(200, f"User-agent: *\nAllow: /\nSitemap: {elsewhere}/sitemap.xml\n"
                                          "Sitemap: http://169.254.169.254/latest/meta-data/\n"
                                          f"Sitemap: {site.base_url}/index.xml\n".encode(),
                                     {"Content-Type": "text/plain"}))
    site.route("/index.xml", Answer(200, f"<sitemapindex><sitemap><loc>{elsewhere}/child.xml</loc></sitemap>"
                                         "</sitemapindex>".encode(), {"Content-Type": "application/xml"}))
    for path in ("/feed", "/sitemap.xml", "/child.xml"):
        inside.route(path, Answer(200, b"<rss><channel><item><link>/x</link></item></channel></rss>"))
    try:
        discover(site.base_url + "/")
    except NotASite:
        pass  # whatever the verdict on such a site, the point is what was asked
    assert site.hits["/robots.txt"] and site.hits["/index.xml"]  # the site itself was read
    assert sum(inside.hits.values()) == 0, inside.hits


def test_an_archive_url_is_read_as_it_downloads(servers, tmp_path):
    from crawler.archive.importer import Importer
    from db.store import Store
    from monitor.config import load_sites
    from tests.test_warc import _small

    site, _ = servers
    site.route("/CC-NEWS-1.warc.gz", Answer(200, _small(True), {"Content-Type": "application/warc"}))
    site.route("/moved.warc.gz", Answer(301, b"", {"Location": "/CC-NEWS-1.warc.gz"}))  # the same origin
    store = Store(tmp_path / "rasid.db")
    try:
        counts = Importer(store, list(load_sites().values()), now=datetime.now(UTC)).run([site.base_url + "/moved.warc.gz"])
    finally:
        store.close()
    assert counts.outcomes["new"] == 4 and not counts.damaged
