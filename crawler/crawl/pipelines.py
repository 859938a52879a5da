"""Item pipelines: extraction (pure, from extract/) and storage (db/).

Extraction is CPU-bound and Scrapy's reactor is one thread, so pages are
extracted in a pool of worker processes (RASID_EXTRACT_WORKERS, default: one
per core) while the reactor keeps downloading. Back-pressure is Scrapy's own:
a response stays in the scraper's slot until its item has been stored, and
the engine stops taking responses once that slot holds
SCRAPER_SLOT_MAX_ACTIVE_SIZE bytes, so memory stays bounded however fast the
site answers."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections import Counter

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.crawl.pool import default_workers, extract_page, extraction_pool, replace_pool
from crawler.crawl.processes import alive
from db.store import Store, StoreError
from extract.encoding import too_big_to_parse
from extract.model import Article, FetchedPage, ListingPage, Prepared
from monitor.recorder import Recorder, no_article_text
from monitor.site import Site


def _failed(spider, why: str) -> DropItem:
    """A page lost for this crawl: one error line of the crawl, and the DropItem that says so to Scrapy."""
    spider.errors.append(why)
    return DropItem(why)


class ExtractPipeline:
    def __init__(self, crawler, workers: int, timeout: float = 60.0):
        self.crawler = crawler
        self.workers = workers
        self.timeout = timeout  # seconds one page may take (a page takes tens of milliseconds)

    @classmethod
    def from_crawler(cls, crawler):
        workers = crawler.settings.getint("RASID_EXTRACT_WORKERS", -1)
        return cls(crawler, default_workers() if workers < 0 else workers,
                   crawler.settings.getfloat("RASID_EXTRACT_TIMEOUT", 60.0))

    async def process_item(self, item: FetchedPage):
        if not isinstance(item, FetchedPage) or item.status != 200 or not item.html:
            return item  # other spiders' items (scrapy shell, a user's own spider) pass untouched
        spider = self.crawler.spider
        refused = too_big_to_parse(item.html)
        if refused:
            raise _failed(spider, f"{item.url}: {refused}")
        try:
            item.article, item.prepared = await self._extract(item, spider.site)
        except TimeoutError:
            replace_pool()
            raise _failed(spider, f"{item.url}: extraction took longer than {self.timeout:g} s: stopped") from None
        except Exception as exc:  # a dead worker, a page that breaks even the fallback: recorded, not lost
            raise _failed(spider, f"{item.url}: extraction failed: {type(exc).__name__}: {exc}") from None
        if item.article and item.article.rules_error:
            spider.errors.append(f"{item.url}: Rasid's extraction rules failed ({item.article.rules_error}); "
                                 "bare trafilatura's text was stored")
        return item

    async def _extract(self, page: FetchedPage, site: Site) -> tuple[Article | None, Prepared | None]:
        if not self.workers:  # in the reactor thread (RASID_EXTRACT_WORKERS = 0): no time limit
            return extract_page(page, hints=site.hints, tz=site.timezone)
        # awaited on the reactor's asyncio loop: the reactor keeps downloading meanwhile
        future = extraction_pool(self.workers).submit(page, site)
        return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)


class StorePipeline:
    """Writes each page to the store in its own transaction and keeps the crawl's counts."""

    def __init__(self, crawler, db_path: str, progress: bool, max_mb: float | None = None):
        self.crawler = crawler
        self.db_path = db_path
        self.progress = progress
        self.max_mb = max_mb
        self.failure: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        pipeline = cls(crawler, settings.get("RASID_DB", "rasid.db"), settings.getbool("RASID_PROGRESS"),
                       settings.getfloat("RASID_MAX_STORE_MB") or None)
        # The crawl row is closed on spider_closed, which carries the finish reason.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        # An exception in a spider callback or a pipeline is Scrapy's to log; it is the crawl's to
        # record: the page behind it is lost for this crawl, and the crawl must say so.
        crawler.signals.connect(pipeline.spider_error, signal=signals.spider_error)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        return pipeline

    def spider_error(self, failure, response, spider):
        where = response.meta.get("public_url", response.url) if response is not None else "?"
        self._record_failure(spider, where, failure)

    def item_error(self, item, response, spider, failure):
        where = getattr(item, "url", None) or (response.url if response is not None else "?")
        self._record_failure(spider, where, failure)

    def _record_failure(self, spider, where: str, failure) -> None:
        if self.store is not None:  # a news crawl's: other spiders are Scrapy's own business
            spider.errors.append(f"{where}: {failure.type.__name__}: {failure.getErrorMessage()}")

    def open_spider(self):
        self.store = None
        site = getattr(self.crawler.spider, "site", None)
        if not isinstance(site, Site):
            return  # not a news crawl (scrapy fetch, scrapy shell, another spider): nothing to store
        self.db_path = self.crawler.settings.get("RASID_DB", self.db_path)  # `scrapy crawl news -a db=...`
        self.store = Store(self.db_path, self.max_mb)
        self.recorder = Recorder(self.store)
        # claimed, with its site row, before the crawl started (crawler.crawl.run), or now when run some other way
        self.crawl_id = getattr(self.crawler.spider, "crawl_id", None)
        if self.crawl_id is None:
            self.store.ensure_site(site.key, site.name, site.base_url, site.timezone)
            self.crawl_id = self.store.start_crawl(site.key, alive)
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []

    def process_item(self, item: FetchedPage | ListingPage):
        if self.store is not None and isinstance(item, ListingPage):
            return self._listing(item)
        if self.store is None or not isinstance(item, FetchedPage):
            return item
        self.counts["pages"] += 1
        judge_pages = self.crawler.spider.site.checks_pages
        if no_article_text(item, judge_pages):
            self.errors.append(f"{item.url}: no article text found")
            self.crawler.spider.logger.warning("no article text in %s", item.url)
            return item
        try:
            outcome = self.recorder.record(item, self.crawl_id, judge_pages)
        except (sqlite3.Error, StoreError) as exc:
            # the page's transaction was rolled back; stop rather than fail page after page
            if self.failure is None:
                self.failure = f"{self.db_path}: cannot write to the store: {exc}"
                print(f"rasid: {self.failure}; the crawl of {item.site} stops here, the store is intact",
                      file=sys.stderr, flush=True)
                asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store_error"))
            raise DropItem(self.failure) from None
        self.counts[outcome] += 1
        if outcome == "not_article":
            self.crawler.spider.logger.info("not an article: %s (%s)", item.url, item.article.evidence)
        if self.progress and outcome in ("new", "changed", "removed", "restored"):
            title = (item.article.title if item.article else None) or item.url
            print(f"  [{item.site}] {outcome:<8} {title}", file=sys.stderr, flush=True)
        return item

    def _listing(self, item: ListingPage) -> ListingPage:
        """A listing page's reading: its placements, in their own transaction (monitor.recorder)."""
        try:
            change = self.recorder.record_listing(item, self.crawl_id)
        except (sqlite3.Error, StoreError) as exc:
            raise DropItem(f"{item.url}: the front page's reading was not stored: {exc}") from None
        if change is not None and change.unreadable:
            self.crawler.spider.logger.warning("listing %s: %s", item.url, change.unreadable)
        elif change is not None and self.progress and change.closings:
            said = ", ".join(f"{n} {what}" for what, n in change.counts().items() if n)
            print(f"  [{item.site}] front    {item.path}: {said}", file=sys.stderr, flush=True)
        return item

    def spider_closed(self, spider, reason: str):
        if self.store is None:
            return
        try:
            self.recorder.flush()  # the last not-modified pages' refreshed sights
        except (sqlite3.Error, StoreError) as exc:
            self.errors.append(f"{self.db_path}: the last not-modified pages' sights were not written: {exc}")
        errors = self.errors + spider.errors + ([self.failure] if self.failure else [])
        # finished: ok, or partial with pages failed; "shutdown" (SIGTERM, Ctrl-C) is a clean stop
        status = {"finished": "partial" if errors else "ok", "shutdown": "stopped"}.get(reason, reason)
        if status == "partial" and not getattr(spider, "answered", 1):
            status = "failed"  # not one page of the site answered (no network, a dead host): nothing was crawled
        try:
            self.store.finish_crawl(self.crawl_id, dict(self.counts), errors, status)
        except (sqlite3.Error, StoreError) as exc:  # a full store may refuse even this; the row stays open
            spider.logger.error("could not close crawl %s: %s", self.crawl_id, exc)
        self.store.close()
