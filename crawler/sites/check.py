"""`rasid sites check`: each configured site's feeds and sitemaps fetched now (through
crawler.net.fetch: the crawl's User-Agent, address policy, size cap and deadline; the site's own
fetch origin and base URL trusted, as the crawl trusts them), what they list, and the store's newest article of the
site, judged by monitor.health. No Scrapy: a check is a handful of documents."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crawler.net.fetch import FetchError, fetch
from db.store import Store
from extract import instants
from extract.dates import parse_date
from monitor.health import Health, Source, judge
from monitor.site import Site
from spiders.discovery import SitemapError, feed_entries, sitemap_entries

MAX_CHILD_SITEMAPS = 20  # of an index, read for the check: enough to see what it lists


def _instant(value: str | None) -> datetime | None:
    """A date a feed, a sitemap or the store gives, as an instant (extract.instants: one that no
    zone could show, near the calendar's ends, is none); None for a day or what is no date."""
    date = parse_date(value) if value else None
    moment = instants.instant(date.iso) if date is not None else None
    return moment.astimezone(UTC) if moment is not None else None


def _get(site: Site, url: str) -> bytes:
    """A document of the site: its own origins (a replay server or mirror on loopback) trusted,
    as the crawl's SafeAddressMiddleware trusts them; anything else they name must be public."""
    return fetch(url, trust=(site.fetch_origin, site.base_url)).body


def _feed(site: Site, url: str) -> Source:
    source = Source("feed", url)
    try:
        body = _get(site, site.to_fetch(url))
    except FetchError as exc:
        source.problem = str(exc).split(": ", 1)[-1]
        return source
    entries = feed_entries(body.decode("utf-8", "replace"))
    if not entries:
        source.problem = "no items (not an RSS or Atom feed?)"
    source.entries = len(entries)
    source.articles = sum(site.is_article(site.to_public(link)) for link, _ in entries)
    source.newest = max(filter(None, (_instant(date) for _, date in entries)), default=None)
    return source


def _sitemap(site: Site, url: str) -> Source:
    source = Source("sitemap", url)

    def get(listed: str) -> bytes:
        try:
            return _get(site, site.to_fetch(site.to_public(listed)))
        except FetchError as exc:
            raise SitemapError(str(exc).split(": ", 1)[-1]) from None

    try:
        entries, source.problem = sitemap_entries(get, url, MAX_CHILD_SITEMAPS)
    except SitemapError as exc:
        source.problem = str(exc)
        return source
    source.entries = len(entries)
    source.articles = sum(site.is_article(site.to_public(e["loc"])) for e in entries)
    source.newest = max(filter(None, (_instant(e.get("publication_date") or e.get("lastmod")) for e in entries)),
                        default=None)
    return source


def check(site: Site, db_path: Path | None, stale_after_days: float = 3, now: datetime | None = None) -> Health:
    """Fetch the site's feeds and sitemaps and judge the site, with the store's newest article."""
    sources = [_feed(site, site.absolute(p)) for p in site.feeds]
    sources += [_sitemap(site, site.absolute(p)) for p in site.sitemaps]
    newest_stored, not_articles = None, 0
    if db_path is not None and db_path.is_file():
        with Store(db_path) as store:
            newest_stored = _instant(store.newest_article(site.key))
            not_articles = store.count_not_articles(site.key)
    return judge(site.key, sources, newest_stored, now or datetime.now(UTC), stale_after_days, not_articles)
