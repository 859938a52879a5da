"""`rasid sites check`: every configured site's feeds and sitemaps asked now, and a verdict per
site; the rules alone (monitor.health) without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from crawler.cli import main
from monitor.health import Source, judge
from tests.conftest import ROOT, base_url_args

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def check(*args: str):
    return CliRunner().invoke(main, ["sites", "check", *args])


@pytest.mark.slow  # a replay server
def test_the_five_snapshot_sites_answer_and_list_articles(replay, tmp_path):
    result = check("--db", str(tmp_path / "none.db"), "--stale-after", "100000d", *base_url_args(replay))
    assert result.exit_code == 0, result.output
    verdicts = [line for line in result.output.splitlines() if line.endswith(": ok")]
    assert verdicts == ["ina: ok", "alaraby: ok", "kitabat: ok", "okaz: ok", "elaph: ok"]
    feed = next(line for line in result.output.splitlines() if line.startswith("ina ") and "feed" in line)
    assert "https://www.ina.iq/rss.xml" in feed and " yes " in feed and "2020-08-28" in feed


@pytest.mark.slow
def test_old_news_a_dead_feed_and_stale_patterns_are_each_one_line(replay, snapshot_root, tmp_path):
    (snapshot_root / "ina" / "rss.xml").unlink()  # the feed is gone
    sites = (ROOT / "seeds" / "sites.toml").read_text(encoding="utf-8")
    sites = sites.replace("article_patterns = ['^/(politics|economy|society|culture|sport|opinion|news)/[^/]+$']",
                          "article_patterns = ['^/article/\\\\d+$']")  # alaraby "redesigned" its addresses
    (tmp_path / "sites.toml").write_text(sites, encoding="utf-8")
    config = tmp_path / "rasid.toml"
    config.write_text(f'sites_file = "{tmp_path / "sites.toml"}"\n', encoding="utf-8")
    result = check("ina", "alaraby", "okaz", "--config", str(config), *base_url_args(replay))
    assert result.exit_code == 1
    lines = dict(line.split(": ", 1) for line in result.output.splitlines() if line.startswith(("ina:", "alaraby:",
                                                                                                  "okaz:")))
    assert lines["ina"].startswith("feed https://www.ina.iq/rss.xml: HTTP 404")
    assert "none of the 14 URLs its feeds and sitemaps list is an article by its article_patterns" in lines["alaraby"]
    assert lines["okaz"].startswith("newest article is ") and "days old (2021-01-22T16:40+00:00)" in lines["okaz"]


def test_a_bad_duration_or_site_is_a_one_line_error():
    assert check("--stale-after", "soon").exit_code == 2
    result = check("nosuchsite")
    assert result.exit_code == 2 and "nosuchsite" in result.output


def test_the_rules_need_no_server():
    fresh = Source("feed", "https://x.example/rss", entries=10, articles=9, newest=datetime(2026, 12, 1, tzinfo=UTC))
    assert judge("x", [fresh], None, NOW, 3).ok
    down = Source("sitemap", "https://x.example/sitemap.xml", problem="HTTP 500 Internal Server Error")
    health = judge("x", [down], None, NOW, 3)
    assert health.problems == ["sitemap https://x.example/sitemap.xml: HTTP 500 Internal Server Error",
                               "no feed or sitemap answers: nothing to find new articles from",
                               "no article date found: not listed, not stored"]
    stored_recently = judge("x", [Source("feed", "u", entries=3, articles=3)], datetime(2026, 11, 30, tzinfo=UTC),
                            NOW, 3)
    assert stored_recently.ok  # the store's newest article counts when the feed gives no dates


def test_a_sitemap_index_is_read_one_level_and_says_why_it_gave_nothing():
    from spiders.discovery import SitemapError, sitemap_entries

    def urlset(*locs):
        return ("<urlset>" + "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>").encode()

    def index(*locs):
        return ("<sitemapindex>" + "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
                + "</sitemapindex>").encode()

    documents = {"/a.xml": urlset("/1", "/2"), "/b.xml": urlset("/3"), "/nested.xml": index("/a.xml"),
                 "/index.xml": index("/a.xml", "/gone.xml", "/b.xml", "/nested.xml"),
                 "/empty.xml": index(), "/dead.xml": index("/gone.xml"), "/page.html": b"<html>x</html>"}

    def get(url):
        if url not in documents:
            raise SitemapError("HTTP 404 Not Found")
        return documents[url]

    entries, problem = sitemap_entries(get, "/index.xml", max_children=10)
    assert [e["loc"] for e in entries] == ["/1", "/2", "/3"] and problem is None  # the nested index not followed
    assert [e["loc"] for e in sitemap_entries(get, "/index.xml", max_children=1)[0]] == ["/1", "/2"]
    assert sitemap_entries(get, "/empty.xml", 10) == ([], "an empty sitemap index")
    assert sitemap_entries(get, "/dead.xml", 10) == ([], "none of its sitemaps answers (/gone.xml: HTTP 404 Not Found)")
    for unreadable, why in (("/page.html", "not a sitemap"), ("/missing.xml", "HTTP 404 Not Found")):
        with pytest.raises(SitemapError, match=f"^{why}$"):
            sitemap_entries(get, unreadable, 10)
