"""One spider for every news site: the site's entry in sites.toml says where to
look; nothing here is specific to a site.

Discovery, in priority order: feeds, then sitemaps (indexes and .gz
followed), then listing pages (their links followed one level, no deeper, so
calendar and pagination traps cannot pull the crawl in). Known articles from
the store are revisited with conditional requests, so an unchanged page costs
a 304. Every article response becomes a FetchedPage (extract.model); extraction and storage
happen in the item pipelines.

Each listing page is also read as the site laid it out (extract.frontpage: its article links in
order, with their teasers and blocks) and handed to the pipelines as a ListingPage. Listings are
asked for conditionally too: a 304 means the page is as it was (nothing moved, nothing left), and
the links it showed last time are followed as if it had been read.

URLs are public (the live site's) everywhere except on the wire: Site.to_fetch
maps them to the fetch origin (the replay server, a mirror) and
Site.to_public maps responses back, so the store holds the same URLs whether
the site was crawled live or from a snapshot.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import canonicalize_url, url_query_cleaner

from extract.encoding import decode_html
from extract.frontpage import read_listing
from extract.model import FetchedPage, ListingPage
from monitor.site import Site
from spiders.discovery import (
    MAX_SITEMAP_URLS,
    MAX_SITEMAP_URLS_PER_CRAWL,
    SitemapError,
    feed_entries,
    read_sitemap,
    sitemap_date,
)

# Query parameters that only track where a reader came from.
TRACKING_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid",
                   "igshid", "mc_cid", "mc_eid", "ref", "amp", "output")


def canonical(url: str) -> str:
    """One URL per article: tracking parameters and fragments dropped, AMP paths folded."""
    url = url_query_cleaner(url, TRACKING_PARAMS, remove=True)
    url = canonicalize_url(url, keep_fragments=False)
    for suffix in ("/amp/", "/amp"):
        if url.endswith(suffix):
            url = url[: -len(suffix)] + ("/" if suffix.endswith("/") else "")
    return url


ARTICLE_REDIRECTS = [301, 302, 303, 307, 308]


class NewsSpider(scrapy.Spider):
    name = "news"
    # 304, 404 and 410 are answers about an article, not errors: let them reach the callback.
    handle_httpstatus_list = [304, 404, 410]

    @classmethod
    def from_crawler(cls, crawler, *args, site: Site | str | None = None, **kwargs):
        """Built by `rasid crawl` (crawler.crawl.run) with a Site and the store's state, or by Scrapy's
        own `scrapy crawl news -a site=KEY [-a db=PATH] [-a config=PATH] [-a base_url=URL]`,
        which then reads the site list, the config and the store the same way."""
        if not isinstance(site, Site):
            site, kwargs = _from_scrapy_arguments(crawler, site, kwargs)
        # per-crawler settings before Scrapy freezes them: the site's politeness delay, none
        # for a replay server or mirror on loopback
        if not crawler.settings.frozen:  # (frozen already for a test's get_crawler)
            crawler.settings.set("DOWNLOAD_DELAY", site.politeness_delay, priority="spider")
        return super().from_crawler(crawler, *args, site=site, **kwargs)

    def __init__(self, site: Site, known: dict[str, dict] | None = None, stored: set[str] | None = None,
                 crawl_id: int | None = None, listings: dict[str, dict] | None = None, **kwargs):
        """`known`: stored articles due for a revisit (url -> etag, last_modified, status), fetched
        conditionally; `stored`: every stored URL of the site, so one not due is not fetched again
        when a feed or listing still links it; `listings`: what the store holds of each listing page
        (path -> etag, last_modified, body_hash, the article urls it showed: db.store.listing_state)."""
        super().__init__(name=f"news:{site.key}", **kwargs)
        self.site = site
        self.crawl_id = crawl_id  # the crawls row claimed for this crawl (crawler.crawl.run)
        self.known = known or {}
        self.listings = listings or {}
        # article URLs not to request from a feed or listing: every stored one (those due are requested
        # by start() already, the rest are not due) and every one already requested in this crawl. The
        # dupefilter would drop them too, but only after a Request was built and fingerprinted for each:
        # on a revisit that is a sitemap's worth of URLs, much of the revisit's CPU (BENCHMARKS.md)
        self.seen = (stored or set()) | set(self.known)
        self.allowed_domains = [h for h in {*site.live_hosts, _host(site.fetch_origin)} if h]
        self.feed_dates: dict[str, str] = {}
        self.errors: list[str] = []  # one line per failed request, for the crawls table
        self.answered = 0  # discovery pages and articles that answered: none at all is a failed crawl
        self.sitemap_urls = 0  # entries read from sitemaps in this crawl (MAX_SITEMAP_URLS_PER_CRAWL)

    # --- requests ------------------------------------------------------------

    async def start(self):
        for request in self._start_requests():
            if self.crawler.engine.needs_backout():
                # Scrapy's lazy start (docs: start-requests-lazy): more requests only once the scheduler
                # runs dry. Queued all at once, a revisit's thousands hold up the first answers,
                # robots.txt's that every request waits for among them.
                await self.crawler.signals.wait_for(signals.scheduler_empty)
            yield request

    def _start_requests(self):
        site = self.site
        for path in site.feeds:
            yield self._request(site.absolute(path), self.parse_feed, priority=30)
        for path in site.sitemaps:
            yield self._request(site.absolute(path), self.parse_sitemap, priority=20)
        for path in site.listings:
            known = self.listings.get(path) or {}
            headers = {k: v for k, v in (("If-None-Match", known.get("etag")),
                                         ("If-Modified-Since", known.get("last_modified"))) if v}
            yield self._request(site.absolute(path), self.parse_listing, priority=10, headers=headers,
                                meta_extra={"listing": path})
        for url in self.known:
            # Each URL once (dict keys), and the only request for it: links to it are skipped (self.seen)
            # and a redirect to it is not followed. Past the dupefilter, then, whose fingerprint of each
            # request is most of the cost of queueing a revisit's thousands of them before robots.txt is
            # read (BENCHMARKS.md).
            yield self.article_request(url, dont_filter=True)

    def public(self, url: str) -> str:
        """The canonical public URL of any URL seen on the wire or in a feed."""
        return canonical(self.site.to_public(url))

    def _request(self, public_url: str, callback, priority: int = 0, meta_extra: dict | None = None,
                 **kwargs) -> Request:
        return Request(self.site.to_fetch(public_url), callback=callback, priority=priority,
                       errback=self.on_error, meta={"public_url": public_url, **(meta_extra or {})}, **kwargs)

    def article_request(self, url: str, dont_filter: bool = False, known: dict | None = None) -> Request:
        """A request for an article (`url`: public and canonical, as self.public makes them and the
        store keeps them), conditional when we know its validators (`known`, else self.known's)."""
        headers = {}
        known = known or self.known.get(url) or {}
        if known.get("status") != "removed":  # a removed page is fetched whole, to see it come back
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
        # Redirects of articles are read here, not followed blindly: one to another article is
        # followed (an old URL), one to a page that is not an article means the site dropped it.
        # what the answer is read with travels on the request, not in this spider: in cluster mode
        # (crawler/cluster/worker.py) another worker's spider may take the request from the shared frontier
        return self._request(url, self.parse_article, priority=0, headers=headers, dont_filter=dont_filter,
                             meta_extra={"dont_redirect": True, "redirects": 0, "body_hash": known.get("body_hash"),
                                         "feed_date": self.feed_dates.get(url),
                                         "handle_httpstatus_list": [*ARTICLE_REDIRECTS, *self.handle_httpstatus_list]})

    def _article_links(self, urls):
        """A request for each article a feed, sitemap or listing links that this crawl has not
        seen (stored or requested already) and that is not stored (`fresh`)."""
        candidates = []
        for url in urls:
            public = self.public(url)
            if public not in self.seen and self.site.is_article(public):
                self.seen.add(public)
                candidates.append(public)
        for public in self.fresh(candidates):
            yield self.article_request(public)

    def fresh(self, urls: list[str]) -> list[str]:
        """Of new article links, those not stored: here all of them, every stored URL being in
        self.seen from the start (a cluster worker asks the cluster instead)."""
        return urls

    # --- discovery ---------------------------------------------------------------

    def parse_feed(self, response: Response):
        if not self.discovery_ok(response):
            return
        links = []
        for link, date in feed_entries(response.text):
            link = response.urljoin(link)
            links.append(link)
            if date:
                self.feed_dates[self.public(link)] = date
        if not links:
            self.logger.warning("feed %s has no items", response.meta["public_url"])
        yield from self._article_links(links)

    async def parse_sitemap(self, response: Response):
        if not self.discovery_ok(response):
            return
        where = response.meta["public_url"]
        room = max(0, MAX_SITEMAP_URLS_PER_CRAWL - self.sitemap_urls)
        # Parsed in a worker thread, streaming: a sitemap parsed whole on the reactor thread holds all
        # of it in memory and stalls every download meanwhile (RELIABILITY.md: a gzip bomb of URLs).
        try:
            sitemap = await asyncio.to_thread(read_sitemap, response.body, min(MAX_SITEMAP_URLS, room))
        except SitemapError as exc:
            self.errors.append(f"{where}: {exc}")
            self.logger.error("sitemap %s: %s", where, exc)
            return
        if sitemap.kind is None:
            self.logger.error("sitemap %s is not valid XML", where)
            return
        self.sitemap_urls += len(sitemap.entries)
        if sitemap.cut:
            self.errors.append(f"{where}: more than {len(sitemap.entries)} URLs; the rest were not read "
                               f"(at most {MAX_SITEMAP_URLS} a sitemap, {MAX_SITEMAP_URLS_PER_CRAWL} a crawl)")
        if sitemap.kind == "sitemapindex":
            for entry in sitemap.entries:
                yield self._request(self.site.to_public(entry["loc"]), self.parse_sitemap, priority=20)
            return
        for entry in sitemap.entries:
            date = sitemap_date(entry)
            if date:
                self.feed_dates.setdefault(self.public(entry["loc"]), date)
        for request in self._article_links(entry["loc"] for entry in sitemap.entries):
            yield request

    def parse_listing(self, response: Response):
        path = response.meta.get("listing")
        known = self.listings.get(path) or {}
        if response.status == 304 and path is not None:  # as it was: the same links, nothing moved
            self.answered += 1
            yield from self._article_links(known.get("urls") or ())
            yield self._listing_page(response, path, None, None)
            return
        if not self.discovery_ok(response) or not isinstance(response, TextResponse):
            return
        links = [response.urljoin(href) for href in response.css("a::attr(href)").getall()]
        yield from self._article_links(links)
        if path is not None:
            body_hash = hashlib.sha256(response.body).hexdigest()[:32]
            placements = None if body_hash == known.get("body_hash") else self._placements(response)
            yield self._listing_page(response, path, body_hash, placements)

    def _placements(self, response: TextResponse) -> tuple:
        """The listing read as the site laid it out (extract.frontpage), its article links as the
        store keeps article URLs. Decoded as articles are (extract.encoding), not as Scrapy guessed:
        a teaser is Arabic text, and Arabic pages are often labelled with the wrong charset."""
        import lxml.html
        from lxml.etree import ParserError

        html, _ = decode_html(response.body, _header(response.headers, b"Content-Type"))
        try:
            root = lxml.html.document_fromstring(html)
        except (ParserError, ValueError):
            return ()  # nothing to read: an empty reading, which the monitor does not take for the page

        def resolve(url: str) -> str | None:
            public = self.public(url)
            return public if self.site.is_article(public) else None

        return read_listing(root, response.url, resolve)

    def _listing_page(self, response: Response, path: str, body_hash: str | None, placements) -> ListingPage:
        headers = response.headers
        return ListingPage(site=self.site.key, path=path, url=response.meta["public_url"], status=response.status,
                           fetched_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
                           etag=_header(headers, b"ETag"), last_modified=_header(headers, b"Last-Modified"),
                           body_hash=body_hash, placements=placements)

    # --- articles ------------------------------------------------------------------

    def parse_article(self, response: Response):
        self.answered += 1
        requested = response.meta["public_url"]
        headers = response.headers
        item = FetchedPage(site=self.site.key, url=requested, status=response.status,
                           fetched_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
                           etag=_header(headers, b"ETag"), last_modified=_header(headers, b"Last-Modified"),
                           content_type=_header(headers, b"Content-Type"))
        if response.status in ARTICLE_REDIRECTS:
            yield from self._redirected(response, item)
        elif response.status == 200:
            yield from self._read(response, item)
        else:  # 304, 404, 410: an answer about the URL asked for, the commonest of a revisit
            yield item

    def _redirected(self, response: Response, item: FetchedPage):
        location = _header(response.headers, b"Location")
        target = self.public(response.urljoin(location)) if location else None
        if target in self.known:
            return  # requested from the start already
        if target and self.site.is_article(target) and response.meta["redirects"] < 5:
            request = self.article_request(target)
            request.meta["redirects"] = response.meta["redirects"] + 1
            yield request  # the dupefilter drops it if the feed already led there
            return
        # the article now redirects to a page that is not an article (the home page, a section):
        # the site dropped it, as surely as a 404 would say
        item.status = 410
        yield item

    def _read(self, response: Response, item: FetchedPage):
        requested, public = item.url, self.public(response.url)
        body_hash = hashlib.sha256(response.body).hexdigest()[:32]
        if body_hash == response.meta.get("body_hash"):
            # a server without validators sent the very same bytes: nothing to extract
            item.status = 304
            yield item
            return
        if not isinstance(response, TextResponse):
            self.logger.warning("%s is not a text page (%s)", public, _header(response.headers, b"Content-Type"))
            return
        item.url, item.body_hash = public, body_hash
        item.feed_published = (response.meta.get("feed_date") or self.feed_dates.get(public)
                               or self.feed_dates.get(requested))
        # Not response.text: Scrapy trusts the first declared charset, and Arabic
        # pages are often labelled wrongly (see extract.encoding).
        item.html, _ = decode_html(response.body, _header(response.headers, b"Content-Type"))
        yield item

    def on_error(self, failure):
        request = failure.request
        where = request.meta.get("public_url", request.url)
        if failure.check(HttpError):
            status = failure.value.response.status
            why = f"HTTP {status}" + (" after retries" if request.meta.get("retry_times") else "")
        elif failure.check(IgnoreRequest) and "refused" in str(failure.value):
            return  # SafeAddressMiddleware has recorded why
        else:
            why = failure.getErrorMessage() or failure.type.__name__
        self.errors.append(f"{where}: {why}")
        self.logger.error("failed %s: %s", where, why)

    def discovery_ok(self, response: Response) -> bool:
        if response.status == 200:
            self.answered += 1
            return True
        where = response.meta.get("public_url", response.url)
        self.errors.append(f"{where}: HTTP {response.status}")
        self.logger.warning("discovery page %s answered %s", where, response.status)
        return False


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _header(headers, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None


def _from_scrapy_arguments(crawler, key: str | None, kwargs: dict) -> tuple[Site, dict]:
    """The Site and revisit state for `scrapy crawl news -a site=KEY ...`, as `rasid crawl KEY`
    would have them: the site list and optional config, an optional fetch base, the store's
    articles due for a revisit. The store is the `db` argument, else the RASID_DB setting,
    else the config's."""
    from db.store import Store
    from monitor.config import ConfigError, load_config
    from monitor.schedule import revisits

    kwargs = dict(kwargs)
    config_path, db, base_url = kwargs.pop("config", None), kwargs.pop("db", None), kwargs.pop("base_url", None)
    try:
        config = load_config(Path(config_path) if config_path else None)
        if not key:
            raise ConfigError(f"the news spider needs -a site=KEY, one of: {', '.join(config.sites)}")
        if base_url:
            config = config.with_base_urls({key: base_url})
        (site,) = config.select([key])
    except ConfigError as exc:
        raise UsageError(str(exc), print_help=False) from None
    db = db or crawler.settings.get("RASID_DB") or str(config.db)
    crawler.settings.set("RASID_DB", db, priority="spider")
    store = Store(db, config.max_store_mb)
    try:
        store.ensure_site(site.key, site.name, site.base_url, site.timezone)
        known, stored = revisits(store, site.key, datetime.now(UTC), config.revisit_schedule, every_step=False)
        listings = store.listing_state(site.key)
    finally:
        store.close()
    return site, {**kwargs, "known": known, "stored": stored, "listings": listings}
