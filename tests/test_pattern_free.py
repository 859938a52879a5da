"""Sites without article_patterns: every page is a candidate and its own signals (extract.kind)
decide. Crawled so, the five snapshot sites store exactly what their hand-written patterns store,
and none of their listing pages; a page found not to be an article is not fetched again."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, SNAPSHOT_ARTICLES, base_url_args, rows, run_rasid

pytestmark = pytest.mark.slow  # a replay server and crawls in child processes


def without_patterns(tmp_path):
    sites = re.sub(r"(?m)^article_patterns = .*\n", "", (ROOT / "seeds" / "sites.toml").read_text(encoding="utf-8"))
    assert "article_patterns =" not in sites
    (tmp_path / "sites.toml").write_text(sites, encoding="utf-8")
    config = tmp_path / "rasid.toml"
    config.write_text(f'sites_file = "{tmp_path / "sites.toml"}"\n', encoding="utf-8")
    return config


def add_listing_pages(root):
    """INA's home page links a section page (a list of headlines in the site's own template), a tag
    page that declares itself a CollectionPage, and an author page under /author/ (never fetched)."""
    home = (root / "ina" / "index.html").read_text(encoding="utf-8")
    (root / "ina" / "section" / "politics").mkdir(parents=True)
    (root / "ina" / "section" / "politics" / "index.html").write_text(home, encoding="utf-8")
    (root / "ina" / "topics" / "basra").mkdir(parents=True)
    tag = home.replace("</head>", '<script type="application/ld+json">{"@type": "CollectionPage", "name": "البصرة"}'
                                  "</script></head>")
    (root / "ina" / "topics" / "basra" / "index.html").write_text(tag, encoding="utf-8")
    links = ('<a href="/section/politics/">سياسة</a> <a href="/topics/basra/">البصرة</a> '
             '<a href="/author/ali/">علي</a>')
    (root / "ina" / "index.html").write_text(home.replace("</body>", links + "</body>"), encoding="utf-8")


def test_the_snapshot_sites_need_no_patterns(replay, snapshot_root, tmp_path):
    add_listing_pages(snapshot_root)
    replay.reload()
    with_patterns, without = tmp_path / "patterns.db", tmp_path / "signals.db"
    run_rasid("crawl", "--quiet", "--db", str(with_patterns), *base_url_args(replay))
    first = run_rasid("crawl", "--quiet", "--db", str(without), "--config", str(without_patterns(tmp_path)),
                      *base_url_args(replay), check=False)
    assert first.returncode == 0, first.stderr
    stored = {(r["site"], r["url"]) for r in rows(with_patterns, "SELECT site, url FROM articles")}
    assert {(r["site"], r["url"]) for r in rows(without, "SELECT site, url FROM articles")} == stored
    assert len(stored) == SNAPSHOT_ARTICLES
    # what the crawl met that is not an article was judged by its content and remembered
    judged = {r["url"]: r["evidence"] for r in rows(without, "SELECT url, evidence FROM not_articles")}
    assert set(judged) == {"https://www.ina.iq/section/politics/", "https://www.ina.iq/topics/basra/"}
    assert "a list of headlines, not an article" in judged["https://www.ina.iq/section/politics/"]
    assert judged["https://www.ina.iq/topics/basra/"].startswith("JSON-LD collectionpage")
    counted = sum(r["not_article"] for r in rows(without, "SELECT not_article FROM crawls"))
    assert counted == len(judged)
    # and the next crawl does not ask for those pages again
    second = run_rasid("crawl", "--quiet", "--db", str(without), "--config", str(without_patterns(tmp_path)),
                       *base_url_args(replay), check=False)
    assert second.returncode == 0, second.stderr
    latest = rows(without, "SELECT sum(not_article) AS n FROM crawls WHERE id > 5")[0]["n"]
    assert latest == 0
