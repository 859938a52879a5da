"""`rasid import warc`: news from web archives (Common Crawl's CC-NEWS, the Wayback Machine,
Browsertrix, `rasid export warc`) through the same extraction, dates, monitor and store as a crawl.

Each `response` record of a configured site's host whose URL is one of its articles (or, with
all_sites, any HTML page whose own signals say it is an article) becomes the FetchedPage a crawl
would have made (with the date a feed or sitemap captured earlier in the import gave the URL), its WARC-Date standing in for the fetch time, and is recorded by
monitor.recorder: an article captured three times with different text gets three versions. History
is not news: nothing raises an alert unless `alerts` is asked for.

A capture dated after the import's `now` (or before the web) is refused and counted: a WARC-Date
of 9999 kept as an article's last sight would make every real capture after it "older".

An archive capture that is not newer than what the store holds for the article (the same file
imported again, or an older file after a newer one) adds nothing: it is `known` when one of the
article's versions has its text, else `older` and left out, because an article's versions are kept
in the order they were seen (import archives oldest first, and before crawling the site).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.archive.reader import PAYLOAD_BYTES, Capture, Damage, Skipped, TooBig, read_captures
from crawler.crawl.pool import ExtractionPool
from crawler.net.fetch import Download, FetchError
from db.store import Store
from extract.article import extract_page
from extract.encoding import decode_html, looks_like_html, too_big_to_parse
from extract.instants import fetch_problem
from extract.model import FetchedPage
from monitor.recorder import Recorder, no_article_text
from monitor.site import Site
from spiders.discovery import SitemapError, feed_entries, read_sitemap, sitemap_date

GONE = (404, 410)
REDIRECTS = (301, 302, 303, 307, 308)
PROGRESS_EVERY = 1000  # records between two progress lines
# what a record became, as counted: the monitor's outcomes, then why the others were left out
STORED = ("new", "changed", "removed", "restored")
TOO_BIG = f"larger than {PAYLOAD_BYTES // 2**20} MB"


class WarcSourceError(RuntimeError):
    """A WARC file or URL that cannot be opened at all: one line."""


@dataclass
class ImportCounts:
    records: int = 0  # every record read, of every kind
    outcomes: Counter[str] = field(default_factory=Counter)  # what each response record became
    per_site: Counter[str] = field(default_factory=Counter)  # articles stored or edited, per site
    damaged: list[str] = field(default_factory=list)  # one line each: file, then why
    started: float = field(default_factory=time.monotonic)

    @property
    def stored(self) -> int:
        return sum(self.outcomes[o] for o in STORED)

    @property
    def rate(self) -> float:
        return self.records / max(time.monotonic() - self.started, 1e-9)


def open_source(source: str):
    """A binary stream of a WARC file given as a path or an http(s) URL (read as it downloads,
    through crawler.net.fetch: the address typed is trusted, its redirects are judged by the policy)."""
    if urlsplit(source).scheme in ("http", "https"):
        try:
            return Download(source, trust=(source,))
        except FetchError as exc:
            raise WarcSourceError(str(exc)) from None
    path = Path(source)
    if path.is_dir():
        raise WarcSourceError(f"{source}: is a folder, not a WARC file")
    try:
        return path.open("rb")
    except OSError as exc:
        raise WarcSourceError(f"{source}: cannot read: {exc.strerror}") from None


def _without_default_port(url: str) -> str:
    """`https://host:443/x` as `https://host/x`: the same origin, one URL."""
    parts = urlsplit(url)
    try:
        default = parts.port is not None and parts.port == {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])) if default else url


def archive_site(host: str) -> Site:
    """The site a page of an unlisted host is stored under (`--all-sites`): the host itself, its
    pages judged by their own signals, its dates read in UTC unless they carry an offset."""
    return Site(key=host, name=host, base_url=f"https://{host}/", timezone="UTC", article_patterns=())


class Importer:
    """Imports archive captures into `store` for `sites` (and any host, with all_sites)."""

    def __init__(self, store: Store, sites: list[Site], *, now: datetime, all_sites: bool = False,
                 alerts: bool = False, progress: Callable[[ImportCounts], None] | None = None, workers: int = 0):
        """`now`: when the import runs; a capture dated after it (or before the web) is refused.
        `workers`: extraction processes (0: extract in this process). Pages are still recorded
        one at a time, in the order of the file: a URL's captures become versions in that order."""
        self.store, self.recorder, self.now = store, Recorder(store), now
        self.workers = workers
        self._pool = None
        self._waiting: deque[tuple[Site, FetchedPage, Future | None]] = deque()
        self.by_host = {host: site for site in sites for host in site.live_hosts if host}
        self.all_sites, self.alerts, self.progress = all_sites, alerts, progress
        self.counts = ImportCounts()
        self._known_sites: set[str] = set()
        self.feed_dates: dict[str, str] = {}  # public URL -> the date a feed or sitemap captured before gave it

    def _discovery(self, site: Site, capture: Capture) -> str:
        """A feed or sitemap of the site: the dates it gives its articles are kept for their
        captures that follow, read as the spider reads them (spiders.news: a feed's date wins, a
        sitemap's fills in when it has a time). Any other page that is not an article is left out."""
        head = capture.body[:2048].lstrip()
        if capture.body[:2] == b"\x1f\x8b" or b"<urlset" in head or b"<sitemapindex" in head:
            try:
                sitemap = read_sitemap(capture.body)
            except SitemapError:
                return "not an article URL"
            if sitemap.kind != "urlset":
                return "sitemap" if sitemap.kind else "not an article URL"
            for entry in sitemap.entries:
                date = sitemap_date(entry)
                if date:
                    self.feed_dates.setdefault(site.to_public(urljoin(capture.url, entry["loc"])), date)
            return "sitemap"
        if b"<rss" in head or b"<feed" in head or b"<rdf" in head.lower():
            html, _ = decode_html(capture.body, capture.content_type)
            try:
                entries = feed_entries(html)
            except etree.XMLSyntaxError:
                return "not an article URL"
            for link, date in entries:
                if date:
                    self.feed_dates[site.to_public(urljoin(capture.url, link))] = date
            return "feed"
        return "not an article URL"

    def run(self, sources: list[str]) -> ImportCounts:
        if self.workers:
            self._pool = ExtractionPool(self.workers)
        try:
            return self._run(sources)
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None

    def _run(self, sources: list[str]) -> ImportCounts:
        for source in sources:
            try:
                stream = open_source(source)
            except WarcSourceError as exc:  # a URL that does not answer: the other sources are still read
                self.counts.damaged.append(str(exc))
                continue
            try:
                for item in read_captures(stream):
                    self.counts.records += 1
                    if isinstance(item, Damage):
                        self.counts.damaged.append(f"{source}: {item.why}")
                    elif isinstance(item, Skipped):
                        self.counts.outcomes[f"record:{item.kind}"] += 1
                    elif isinstance(item, TooBig):  # as a crawl cancels a page past DOWNLOAD_MAXSIZE
                        self.counts.outcomes[TOO_BIG] += 1
                    else:
                        self._take(self.capture(item))
                    if self.progress and self.counts.records % PROGRESS_EVERY == 0:
                        self.progress(self.counts)
            except OSError as exc:  # the download broke off, a read error: what was read is stored
                self.counts.damaged.append(f"{source}: the file could not be read to its end ({exc})")
            except FetchError as exc:  # past the download's deadline or size cap: what was read is stored
                self.counts.damaged.append(str(exc))
            finally:
                stream.close()
            while self._waiting:  # not on the way out of an error: a store that failed is not written again
                self._record_next()
            self.recorder.flush()
        return self.counts

    def _take(self, prepared: str | tuple[Site, FetchedPage]) -> None:
        """Count what needs no writing; queue the rest, its extraction started in the pool."""
        if isinstance(prepared, str):
            self.counts.outcomes[prepared] += 1
            return
        site, page = prepared
        future = None
        if page.html is not None and self._pool is not None:
            future = self._pool.submit(page, site)
        self._waiting.append((site, page, future))
        while self._waiting and (len(self._waiting) > 4 * max(self.workers, 1) - 1 or
                                 self._waiting[0][2] is None or self._waiting[0][2].done()):
            self._record_next()

    def _record_next(self) -> None:
        site, page, future = self._waiting.popleft()
        if page.html is not None:
            try:
                if future is not None:
                    page.article, page.prepared = future.result()
                else:
                    page.article = extract_page(page, hints=site.hints, tz=site.timezone)
            except Exception as exc:  # noqa: BLE001 — a dead worker: the page is lost for this import, said so
                self.counts.damaged.append(f"{page.url}: extraction failed: {type(exc).__name__}: {exc}")
                return
            if no_article_text(page, site.checks_pages):
                self.counts.outcomes["no article text"] += 1
                return
        self.counts.outcomes[self._record(site, page)] += 1

    def capture(self, capture: Capture) -> str | tuple[Site, FetchedPage]:
        """What one response record is: why it adds nothing, or (its site, the page to record;
        with its decoded HTML when it is to be extracted first)."""
        host = urlsplit(capture.url).hostname or ""
        site = self.by_host.get(host)
        if site is None:
            if not self.all_sites or not host:
                return "other site"
            site = archive_site(host)
        url = site.to_public(_without_default_port(capture.url))
        if not site.owns(url):  # refused, not canonicalised: another port or credentials, another page
            return "other origin (port or user name)"
        if not site.is_article(url):
            return self._discovery(site, capture) if capture.status == 200 else "not an article URL"
        if capture.status in REDIRECTS:
            return "redirect"
        if capture.status not in (200, *GONE):
            return f"HTTP {capture.status}"
        problem = fetch_problem(capture.date, self.now)
        if problem is not None:  # a sight Rasid cannot date: never an article's first or last sight
            return f"WARC-Date {problem}"
        page = FetchedPage(site=site.key, url=url, status=capture.status, fetched_at=capture.date,
                           etag=capture.etag, last_modified=capture.last_modified,
                           content_type=capture.content_type,
                           feed_published=capture.feed_date or self.feed_dates.get(url))
        stored = self.store.article(url)
        if capture.status == 200:
            page.body_hash = hashlib.sha256(capture.body).hexdigest()[:32]  # as spiders.news reads a page
            if stored is not None and page.body_hash == stored["body_hash"]:
                # the very bytes the store holds: a sight of the same article, as a crawl takes a 304
                if capture.date <= stored["last_seen"]:
                    return "known"
                page.status = 304
                return site, page
            html, _ = decode_html(capture.body, capture.content_type)
            if not looks_like_html(capture.body, html):
                return "not HTML"
            if too_big_to_parse(html):
                return "too big to parse"
            page.html = html
        return site, page

    def _record(self, site: Site, page: FetchedPage) -> str:
        if site.key not in self._known_sites:
            self.store.ensure_site(site.key, site.name, site.base_url, site.timezone)
            self._known_sites.add(site.key)
        outcome = self.recorder.record(page, None, site.checks_pages, alerts=self.alerts, newer_only=True)
        if outcome in STORED:
            self.counts.per_site[site.key] += 1
        return outcome
