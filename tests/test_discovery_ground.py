"""The offline test ground of `rasid sites add` (seeds/discovery, built by
seeds/tools/build_discovery.py): five sites built the ways Arabic news sites are built — WordPress,
Drupal with a news sitemap, a custom CMS with numeric ids and no metadata for machines, listing
pages only, a sitemap index with /ar/ segments — each with section, tag and author pages. Added
from their addresses alone, each first crawl must store ≥ 90 % of the site's articles, none of its
other pages, with the right zone and exact dates."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from crawler.demo.replay import ReplayServer
from tests.conftest import ROOT, rows, run_rasid

pytestmark = pytest.mark.slow  # a replay server and crawls in child processes

GROUND = ROOT / "seeds" / "discovery"
TRUTH = json.loads((GROUND / "TRUTH.json").read_text(encoding="utf-8"))


def test_sites_added_from_their_address_alone_find_their_articles_and_nothing_else(tmp_path):
    sites = tmp_path / "sites.toml"
    with ReplayServer(GROUND) as server:
        assert set(server.base_urls) == set(TRUTH)
        for key, url in server.base_urls.items():
            added = run_rasid("sites", "add", url, "--key", key, "--write", "--sites-file", str(sites), check=False)
            assert added.returncode == 0, added.stdout + added.stderr
        config = tmp_path / "rasid.toml"
        config.write_text(f'sites_file = "{sites}"\n', encoding="utf-8")
        db = tmp_path / "rasid.db"
        base_urls = [arg for key, url in server.base_urls.items() for arg in ("--base-url", f"{key}={url}")]
        crawl = run_rasid("crawl", "--quiet", "--db", str(db), "--config", str(config), *base_urls, check=False)
    assert crawl.returncode == 0, crawl.stderr
    zones = {r["key"]: r["timezone"] for r in rows(db, "SELECT key, timezone FROM sites")}
    for key, truth in TRUTH.items():
        stored = {r["url"]: r for r in rows(db, "SELECT url, published_at FROM articles WHERE site = ?", [key])}
        articles = {a["url"]: a for a in truth["articles"]}
        assert set(stored) <= set(articles), f"{key}: stored pages that are not articles: {set(stored) - set(articles)}"
        assert len(stored) >= 0.9 * len(articles), f"{key}: {len(stored)} of {len(articles)} articles found"
        assert zones[key] == truth["zone"], key
        for url, row in stored.items():  # the same instant as the site printed it
            assert datetime.fromisoformat(row["published_at"]) == datetime.fromisoformat(articles[url]["published"])
