"""Hostile pages and broken servers on loopback: the crawl goes on, records what failed, and
lets nothing in. Every case is listed in RELIABILITY.md with the test that covers it."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from tests.conftest import rows, run_rasid
from tests.hostile import Answer, HostileServer

pytestmark = pytest.mark.slow  # servers and child processes: `pytest -m "not slow"` skips them

ARTICLE = """<!doctype html><html lang="ar"><head><meta charset="{charset}"><title>{title}</title></head>
<body><nav><a href="/">الرئيسية</a></nav><article><h1>{title}</h1><div class="date">2 آذار 2024 - 09:15</div>
<p>أعلنت وزارة الموارد المائية ارتفاع منسوب نهر دجلة في بغداد بعد موجة الأمطار الأخيرة التي شهدتها المحافظات.</p>
<p>وقال المتحدث باسم الوزارة إن الفرق الفنية تتابع الموقف على مدار الساعة وإن السدود قادرة على استيعاب الكميات.</p>
<p>ودعت الوزارة المواطنين إلى الابتعاد عن ضفاف النهر خلال الأيام المقبلة حفاظاً على سلامتهم وسلامة أطفالهم.</p>
</article></body></html>"""

SITES = """[sites.hostile]
name = "موقع معاد"
base_url = "https://hostile.example"
hosts = ["m.hostile.example"]
timezone = "Asia/Baghdad"
feeds = ["/rss.xml"]
sitemaps = [{sitemaps}]
listings = [{listings}]
article_patterns = ['^/a/\\d+\\.html$']
download_delay = 0
"""


def article(title: str, charset: str = "utf-8", encoding: str = "utf-8") -> bytes:
    return ARTICLE.format(title=title, charset=charset).encode(encoding)


def feed(links: list[str]) -> Answer:
    items = "".join(f"<item><title>x</title><link>{link}</link></item>" for link in links)
    return Answer(200, f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode(),
                  {"Content-Type": "application/rss+xml"})


class Site:
    """A hostile server, a site list and a config pointing the site at it."""

    def __init__(self, tmp_path: Path, sitemaps: tuple[str, ...] = (), listings: tuple[str, ...] = (),
                 extra_config: str = "", download_timeout: str = "3s"):
        self.server = HostileServer()
        self.server.route("/robots.txt", Answer(200, b"User-agent: *\nDisallow: /a/666.html\n",
                                                {"Content-Type": "text/plain"}))
        self.db = tmp_path / "rasid.db"
        sites = tmp_path / "sites.toml"
        sites.write_text(SITES.format(sitemaps=", ".join(f'"{s}"' for s in sitemaps),
                                      listings=", ".join(f'"{s}"' for s in listings)), encoding="utf-8")
        self.config = tmp_path / "rasid.toml"
        self.config.write_text(f'sites_file = "{sites}"\ndownload_timeout = "{download_timeout}"\n{extra_config}\n'
                               f'[sites.hostile]\nbase_url = "{self.server.base_url}"\n', encoding="utf-8")

    def crawl(self, check: bool = False, timeout: float = 120):
        return run_rasid("crawl", "--config", str(self.config), "--db", str(self.db), check=check, timeout=timeout)

    def rows(self, sql: str, params=()) -> list[dict]:
        return rows(self.db, sql, params)

    def errors(self) -> list[str]:
        row = self.rows("SELECT error_log FROM crawls ORDER BY id DESC LIMIT 1")[0]
        return json.loads(row["error_log"] or "[]")

    def stored(self) -> dict[str, dict]:
        return {r["url"]: r for r in self.rows("SELECT * FROM articles")}


@pytest.fixture
def site(tmp_path):
    sites = []

    def make(**kwargs) -> Site:
        sites.append(Site(tmp_path, **kwargs))
        return sites[-1]

    yield make
    for s in sites:
        s.server.close()


def url(n: int) -> str:
    return f"https://hostile.example/a/{n}.html"


# --- bad pages ----------------------------------------------------------------------------


def test_bad_pages_are_recorded_and_the_crawl_goes_on(site):
    s = site()
    s.server.route("/rss.xml", feed([url(n) for n in range(1, 8)]))
    s.server.route("/a/1.html", Answer(200, article("خبر سليم")))
    s.server.route("/a/2.html", Answer(200, article("خبر مبتور")[:700]))  # truncated mid-paragraph
    s.server.route("/a/3.html", Answer(200, b""))  # empty body
    s.server.route("/a/4.html", Answer(200, bytes(range(256)) * 400))  # binary served as text/html
    s.server.route("/a/5.html", Answer(200, b"<html><body><div><p><b>" * 5000))  # malformed, no article
    s.server.route("/a/6.html", Answer(200, b"<p>" + b"\xd8\xa7" * (15 * 2**20) + b"</p>"))  # 30 MB
    s.server.route("/a/7.html", Answer(200, article("خبر سليم آخر")))
    result = s.crawl()
    assert result.returncode == 1  # partial: some pages failed, and they are recorded
    stored = s.stored()
    assert {url(1), url(7)} <= set(stored)
    assert stored[url(1)]["title"] == "خبر سليم" and "ارتفاع منسوب نهر دجلة" in stored[url(1)]["text"]
    errors = "\n".join(s.errors())
    for n in (3, 4, 5):
        assert f"{url(n)}: no article text found" in errors
    assert f"{url(6)}" in errors and "10485760" in errors  # the size cap, named
    # a truncated page keeps what arrived, whole paragraphs only
    if url(2) in stored:
        assert stored[url(2)]["title"] == "خبر مبتور"
    assert s.rows("PRAGMA integrity_check")[0]["integrity_check"] == "ok"


@pytest.mark.parametrize("real, label", [
    ("cp1256", "text/html; charset=utf-8"),  # windows-1256 labelled UTF-8
    ("iso8859_6", "text/html; charset=utf-8"),  # ISO-8859-6 labelled UTF-8
    ("utf-8", "text/html; charset=windows-1256"),  # and the reverse
    ("cp1256", "text/html"),  # no charset anywhere but the bytes
])
def test_wrong_and_missing_charsets_still_store_correct_arabic(site, real, label):
    s = site()
    s.server.route("/rss.xml", feed([url(1)]))
    charset = "utf-8" if real != "utf-8" else "windows-1256"  # the meta tag lies too
    s.server.route("/a/1.html", Answer(200, article("منسوب دجلة", charset, real), {"Content-Type": label}))
    s.crawl(check=True)
    stored = s.stored()[url(1)]
    assert stored["title"] == "منسوب دجلة" and "وزارة الموارد المائية" in stored["text"]


# --- broken servers -------------------------------------------------------------------------


def test_5xx_is_retried_with_backoff_then_recorded(site):
    s = site()
    s.server.route("/rss.xml", feed([url(1), url(2), url(3)]))
    # 503 with Retry-After twice, then the page
    s.server.route("/a/1.html", lambda n: Answer(503, b"busy", {"Retry-After": "1"}) if n < 3
                   else Answer(200, article("بعد الانتظار")))
    s.server.route("/a/2.html", Answer(502, b"bad gateway"))  # always down, no Retry-After
    s.server.route("/a/3.html", Answer(200, article("خبر ثالث")))
    result = run_rasid("crawl", "--config", str(s.config), "--db", str(s.db), "--log-level", "INFO", check=False)
    assert s.server.hits["/a/1.html"] == 3 and url(1) in s.stored()
    assert s.server.hits["/a/2.html"] == 3  # the first try and two retries
    # the pauses the middleware scheduled: Retry-After 1 s twice; backoff 2 s then 4 s for /a/2
    waits = re.findall(r"HTTP (\d+) from \S+/a/(\d)\.html: retry (\d) in ([\d.]+) s", result.stderr)
    assert sorted(waits) == [("502", "2", "1", "2.0"), ("502", "2", "2", "4.0"),
                             ("503", "1", "1", "1.0"), ("503", "1", "2", "1.0")]
    assert f"{url(2)}: HTTP 502 after retries" in s.errors()
    assert url(3) in s.stored()


def test_servers_that_hang_trickle_or_reset_time_out_and_the_crawl_goes_on(site):
    s = site()
    s.server.route("/rss.xml", feed([url(1), url(2), url(3), url(4)]))
    s.server.route("/a/1.html", Answer(behaviour="hang"))
    s.server.route("/a/2.html", Answer(200, article("بطيء"), behaviour="trickle"))
    s.server.route("/a/3.html", Answer(200, article("مقطوع") * 3, behaviour="reset"))
    s.server.route("/a/4.html", Answer(200, article("خبر سليم")))
    result = s.crawl(timeout=300)
    assert result.returncode == 1
    by_url = dict(line.split(": ", 1) for line in s.errors())
    # cut by the download timeout the config sets (3 s), whatever the machine's speed: the crawl
    # says so for the server that never answers and the one that trickles
    assert "took longer than 3.0 seconds" in by_url[url(1)] and "took longer than 3.0 seconds" in by_url[url(2)]
    errors = "\n".join(s.errors())
    assert url(1) in errors and url(2) in errors and url(3) in errors
    assert set(s.stored()) == {url(4)}


def test_redirect_loops_and_redirects_off_the_site(site):
    s = site()
    s.server.route("/rss.xml", feed([url(1), url(3), url(5)]))
    s.server.route("/a/1.html", Answer(301, b"", {"Location": "/a/2.html"}))
    s.server.route("/a/2.html", Answer(301, b"", {"Location": "/a/1.html"}))  # a loop
    s.server.route("/a/3.html", Answer(302, b"", {"Location": "https://evil.example/a/3.html"}))  # off the site
    s.server.route("/a/5.html", Answer(200, article("خبر سليم")))
    s.crawl()
    assert s.server.hits["/a/1.html"] == 1 and s.server.hits["/a/2.html"] == 1  # each once, then it stops
    assert set(s.stored()) == {url(5)}


def test_robots_txt_is_honoured(site):
    s = site()
    s.server.route("/rss.xml", feed([url(1), url(666)]))
    s.server.route("/a/1.html", Answer(200, article("مسموح")))
    s.server.route("/a/666.html", Answer(200, article("ممنوع")))
    s.crawl()
    assert s.server.hits["/a/666.html"] == 0 and set(s.stored()) == {url(1)}


def test_calendar_and_pagination_traps_are_not_followed(site):
    s = site(listings=("/",))
    traps = "".join(f'<a href="/archive/{y}/{m}/">{y}/{m}</a><a href="/?page={p}">{p}</a>'
                    for y, m, p in zip(range(1900, 2100), [1] * 200, range(2, 202), strict=True))
    s.server.route("/", Answer(200, f'<html><body>{traps}<a href="/a/1.html">خبر</a></body></html>'.encode()))
    s.server.route("/rss.xml", feed([]))
    s.server.route("/a/1.html", Answer(200, article("خبر")))
    s.crawl()
    requested = set(s.server.hits)
    assert requested == {"/robots.txt", "/rss.xml", "/", "/a/1.html"}


def test_one_article_under_tracking_parameters_amp_and_mobile_hosts_is_one_url(site):
    s = site()
    variants = [url(1) + "?utm_source=twitter&utm_medium=social", url(1) + "?fbclid=abc", url(1) + "#comments",
                "https://m.hostile.example/a/1.html", url(1) + "?amp=1", url(1)]
    s.server.route("/rss.xml", feed(variants))
    s.server.route("/a/1.html", Answer(200, article("خبر واحد")))
    s.crawl(check=True)
    assert list(s.stored()) == [url(1)] and s.server.hits["/a/1.html"] == 1


def test_broken_feed_xml_and_big_gzip_sitemaps(site):
    s = site(sitemaps=("/sitemap.xml.gz",))
    s.server.route("/rss.xml", Answer(200, b"<?xml version='1.0'?><rss><channel><item><link>" + url(1).encode()
                                      + b"</link></item><item><link>&broken;<<</channel>",
                                      {"Content-Type": "application/rss+xml"}))
    # 50,000 URLs, gzipped, of which three are articles of this site
    locs = [f"https://hostile.example/tag/{n}" for n in range(49_997)] + [url(1), url(2), url(3)]
    xml = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           + "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>")
    s.server.route("/sitemap.xml.gz", Answer(200, gzip.compress(xml.encode()), {"Content-Type": "application/x-gzip"}))
    for n in (1, 2, 3):
        s.server.route(f"/a/{n}.html", Answer(200, article(f"خبر {n}")))
    s.crawl()
    assert set(s.stored()) == {url(1), url(2), url(3)}
    assert not [p for p in s.server.hits if p.startswith("/tag/")]


# --- security -------------------------------------------------------------------------------


def test_no_other_schemes_hosts_or_private_addresses_are_fetched(site, tmp_path):
    s = site(sitemaps=("/sitemap.xml",))
    other = HostileServer()  # another service on loopback: a feed or a redirect must not reach it
    try:
        other.route("/sitemap.xml", Answer(200, b"<urlset></urlset>"))
        s.server.route("/rss.xml", feed([url(1), "file:///etc/passwd", "ftp://hostile.example/a/2.html",
                                         f"{other.base_url}/a/3.html", "http://169.254.169.254/a/4.html",
                                         "https://evil.example/a/5.html"]))
        s.server.route("/sitemap.xml", Answer(200, (
            '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{other.base_url}/sitemap.xml</loc></sitemap>"
            "<sitemap><loc>http://169.254.169.254/latest/meta-data/</loc></sitemap></sitemapindex>").encode()))
        s.server.route("/a/1.html", Answer(200, article("خبر")))
        s.crawl()
        assert other.hits == {}  # nothing reached the other loopback service
        assert set(s.stored()) == {url(1)}
        refused = [e for e in s.errors() if "refused" in e]
        assert any(other.base_url in e and "non-public" in e for e in refused)  # same host, another port
        assert not [e for e in s.errors() if "169.254" in e and "refused" not in e]  # never fetched
    finally:
        other.close()


def test_safe_address_middleware_alone():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from crawler.crawl.middlewares import SafeAddressMiddleware
    from monitor.config import load_sites

    class Spider:
        site = load_sites()["ina"].__class__(**{**load_sites()["ina"].__dict__, "fetch_base": "http://127.0.0.1:8001"})
        errors: list[str] = []

    middleware = SafeAddressMiddleware()

    def check(target: str) -> bool:
        try:
            asyncio.run(middleware.process_request(Request(target), Spider()))
            return True
        except IgnoreRequest:
            return False

    assert check("http://127.0.0.1:8001/111563--.html")  # the site's own fetch origin
    # (a name such as localhost is the resolver's to refuse: tests/test_middlewares.py)
    for refused in ("http://127.0.0.1:8002/x", "http://10.0.0.7/x", "http://[::1]:8001/",
                    "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/", "http://0.0.0.0:8001/"):
        assert not check(refused), refused
    assert check("http://8.8.8.8/x")  # a public address


# --- people's mistakes ------------------------------------------------------------------------


@pytest.mark.parametrize("path, message", [
    ("/proc/rasid.db", "/proc/rasid.db: cannot open store"),
    ("/no/such/folder/rasid.db", "folder /no/such/folder does not exist"),
    ("/etc/passwd/rasid.db", "/etc/passwd/rasid.db: cannot open store"),
])
def test_store_paths_that_cannot_be_written(path, message):
    result = run_rasid("crawl", "ina", "--db", path, check=False)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_site_that_cannot_be_reached_fails_in_one_line_per_url(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(SITES.format(sitemaps='"/sitemap.xml"', listings='"/"').replace(
        "https://hostile.example", "http://news.invalid"), encoding="utf-8")  # .invalid never resolves
    config = tmp_path / "rasid.toml"
    config.write_text(f'sites_file = "{sites}"\n', encoding="utf-8")
    db = tmp_path / "rasid.db"
    result = run_rasid("crawl", "--config", str(config), "--db", str(db), check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    failures = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert sorted(re.search(r"failed (\S+): DNS lookup failed", f).group(1) for f in failures) == [
        "http://news.invalid/", "http://news.invalid/rss.xml", "http://news.invalid/sitemap.xml"]
    (crawl,) = rows(db, "SELECT status, pages, errors FROM crawls")
    assert crawl == {"status": "failed", "pages": 0, "errors": 3}  # nothing answered: failed, not partial


# --- nothing lost without a word --------------------------------------------------------------


def test_every_page_that_fails_is_recorded_counted_and_makes_the_exit_non_zero(site):
    s = site(sitemaps=("/huge.xml.gz",))
    s.server.route("/rss.xml", feed([url(1), url(2)]))
    # an otherwise good article with JSON-LD where a list belongs: stored, never dropped
    s.server.route("/a/1.html", Answer(200, article("خبر سليم").replace(
        b"</head>", b'<script type="application/ld+json">{"@graph": 5, "@type": 7}</script></head>')))
    s.server.route("/a/2.html", Answer(200, article("خبر ثان")))
    # a gzip sitemap that inflates past the size cap: a failure of the spider's callback
    s.server.route("/huge.xml.gz", Answer(200, gzip.compress(b"<urlset>" + b" " * (60 * 2**20)),
                                          {"Content-Type": "application/x-gzip"}))
    result = s.crawl()
    assert set(s.stored()) == {url(1), url(2)}
    assert result.returncode == 1  # the crawl had a failure, and says so
    errors = s.errors()
    assert any(e.startswith("http") and "huge.xml.gz" in e for e in errors), errors
    (crawl,) = s.rows("SELECT status, errors FROM crawls")
    assert crawl["status"] == "partial" and crawl["errors"] == len(errors) >= 1
    assert "partial" in result.stdout  # the summary table shows it


def test_a_sitemap_past_the_protocols_limits_is_read_up_to_them_and_said_so(site):
    s = site(sitemaps=("/big.xml.gz",))
    s.server.route("/rss.xml", feed([url(1)]))
    s.server.route("/a/1.html", Answer(200, article("خبر")))
    s.server.route("/a/2.html", Answer(200, article("خبر ثان")))
    # 60,000 entries: the article in the first 50,000 is read, the one after them is not
    locs = [url(2)] + [f"https://hostile.example/tag/{n}" for n in range(59_998)] + [url(3)]
    xml = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           + "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>")
    s.server.route("/big.xml.gz", Answer(200, gzip.compress(xml.encode()), {"Content-Type": "application/x-gzip"}))
    s.crawl()
    assert set(s.stored()) == {url(1), url(2)} and s.server.hits["/a/3.html"] == 0
    assert any("big.xml.gz: more than 50000 URLs; the rest were not read" in e for e in s.errors()), s.errors()


def test_read_sitemap_streams_and_stops_at_the_inflated_size_cap():
    from spiders.discovery import SitemapError, read_sitemap

    with pytest.raises(SitemapError, match="inflates past 50 MB"):
        read_sitemap(gzip.compress(b"<urlset>" + b" " * (60 * 2**20) + b"</urlset>"))
    index = read_sitemap(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
                         b"https://x.example/s1.xml</loc></sitemap></sitemapindex>")
    assert index.kind == "sitemapindex" and index.entries == [{"loc": "https://x.example/s1.xml"}]
    assert read_sitemap(b"<html>not a sitemap</html>").kind is None
