"""`rasid sites add URL`: a working entry found from a site's address alone, and a one-line verdict
for an address that is not a site Rasid can monitor, with nothing written."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, SNAPSHOT_ARTICLES, base_url_args, rows, run_rasid

pytestmark = pytest.mark.slow  # a replay server and crawls in child processes

HAND_WRITTEN = (ROOT / "seeds" / "sites.toml").read_text(encoding="utf-8")


def test_the_five_sites_added_from_their_address_crawl_as_their_hand_written_entries(replay, tmp_path):
    sites = tmp_path / "sites.toml"
    for key, url in replay.base_urls.items():
        added = run_rasid("sites", "add", url, "--key", key, "--write", "--sites-file", str(sites), check=False)
        assert added.returncode == 0, added.stdout + added.stderr
        assert "verdict: a working site" in added.stdout and f"--base-url {key}={url}" in added.stdout
        assert "date from" in added.stdout and ("the visible byline" in added.stdout
                                                or "declared for machines" in added.stdout)
    config = tmp_path / "rasid.toml"
    config.write_text(f'sites_file = "{sites}"\n', encoding="utf-8")
    found, written = tmp_path / "found.db", tmp_path / "hand.db"
    run_rasid("crawl", "--quiet", "--db", str(found), "--config", str(config), *base_url_args(replay))
    run_rasid("crawl", "--quiet", "--db", str(written), *base_url_args(replay))
    query = "SELECT site, url, title, published_at FROM articles ORDER BY url"
    assert rows(found, query) == rows(written, query)  # the same articles, titles and exact dates
    assert len(rows(found, query)) == SNAPSHOT_ARTICLES
    zones = {r["key"]: r["timezone"] for r in rows(found, "SELECT key, timezone FROM sites")}
    assert zones == {"ina": "Asia/Baghdad", "alaraby": "Europe/London", "kitabat": "Asia/Baghdad",
                     "okaz": "Asia/Baghdad", "elaph": "Europe/London"}


def test_a_key_already_listed_is_refused_and_the_file_left_as_it_was(replay, tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(HAND_WRITTEN, encoding="utf-8")
    added = run_rasid("sites", "add", replay.base_urls["ina"], "--write", "--sites-file", str(sites), check=False)
    assert added.returncode == 2 and "a site 'ina' is listed already" in added.stderr
    assert sites.read_text(encoding="utf-8") == HAND_WRITTEN
    added = run_rasid("sites", "add", replay.base_urls["ina"], "--key", "ina2", "--write", "--sites-file", str(sites))
    text = sites.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN) and text[len(HAND_WRITTEN):].lstrip().startswith("[sites.ina2]")


def verdict(url: str, tmp_path) -> tuple[int, str]:
    sites = tmp_path / "untouched.toml"
    sites.write_text("# mine\n", encoding="utf-8")
    result = run_rasid("sites", "add", url, "--write", "--sites-file", str(sites), check=False)
    assert sites.read_text(encoding="utf-8") == "# mine\n"  # nothing written
    return result.returncode, result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.stdout


def test_what_is_not_a_site_gets_one_line_and_nothing_written(replay, snapshot_root, tmp_path):
    ina = replay.base_urls["ina"]
    (snapshot_root / "ina" / "report.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    code, line = verdict(ina + "/report.pdf", tmp_path)
    assert code == 1 and line.endswith("report.pdf: not an HTML page (a news site's address answers with its home page)")
    code, line = verdict(ina + "/no/such/page", tmp_path)
    assert code == 1 and "HTTP 404" in line
    code, line = verdict("http://127.0.0.1:1/", tmp_path)
    assert code == 1 and line.startswith("rasid: http://127.0.0.1:1/: cannot fetch")
    code, line = verdict("http://no-such-host.invalid/", tmp_path)  # a name that does not resolve
    assert code == 1 and line.startswith("rasid: http://no-such-host.invalid/: cannot fetch")
    code, line = verdict("ftp://example.com/", tmp_path)
    assert code == 2 and "http:// or https://" in line
    # a parked domain: a page with no feed, no sitemap, no article to be found
    okaz = snapshot_root / "okaz"
    for document in ("feed/index.xml", "sitemap_index.xml", "post-sitemap.xml"):
        (okaz / document).unlink()
    (okaz / "index.html").write_text("<html><head><title>soukukkaz.com is for sale</title></head><body>"
                                     "<h1>This domain may be for sale</h1><a href='/buy'>Buy now</a></body></html>",
                                     encoding="utf-8")
    replay.reload()
    code, output = verdict(replay.base_urls["okaz"], tmp_path)
    assert code == 1 and "verdict: no article among the 1 pages sampled of 1 listed" in output
    # a site whose robots.txt forbids every crawler
    (snapshot_root / "ina" / "robots.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
    code, line = verdict(ina, tmp_path)
    assert code == 1 and line.endswith("robots.txt forbids Rasid to crawl the site: not added")


def test_every_sitemap_robots_txt_lists_is_read(replay, snapshot_root, tmp_path):
    ina = snapshot_root / "ina"
    (ina / "sitemap-2.xml").write_bytes((ina / "sitemap.xml").read_bytes())
    base = replay.base_urls["ina"]  # a live site's robots.txt names its sitemaps on its own origin
    (ina / "robots.txt").write_text(f"User-agent: *\nDisallow: /search\n\nSitemap: {base}/sitemap.xml\n"
                                    f"Sitemap: {base}/sitemap-2.xml\n", encoding="utf-8")
    added = run_rasid("sites", "add", replay.base_urls["ina"], check=False)
    assert added.returncode == 0, added.stderr
    assert "sitemaps:  /sitemap.xml, /sitemap-2.xml" in added.stdout


def test_the_sampled_articles_times_are_read_in_the_zone_found(replay):
    from crawler.report import discovery_lines
    from crawler.sites.add import discover

    found = discover(replay.base_urls["ina"], "ina")
    assert found.zone == "Asia/Baghdad"
    # the byline says 10:15 in Baghdad: read before the zone was known it passed for 10:15 UTC
    published = {r.url: r.published for r in found.sample}
    assert published["https://www.ina.iq/111605--.html"] == "2020-08-28T10:15:00+03:00"
    assert published["https://www.ina.iq/111563--.html"] == "2020-08-22T20:18:00+03:00"
    sample = "\n".join(discovery_lines(found)).split("sampled:", 1)[1]
    assert "+03:00" in sample and "+00:00" not in sample
