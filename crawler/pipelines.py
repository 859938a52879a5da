"""Item pipelines: extraction (pure, from extract/) and storage (db/).

Kept apart so each can be tested alone and so extraction can later move off
the reactor thread without touching storage."""

from __future__ import annotations

import sys
from collections import Counter

from scrapy import signals

from crawler.config import Site
from db.store import PageRecord, Store
from extract.article import extract_article
from spiders.news import PageItem


def extract_page(site: Site, html: str, url: str, fetched_at: str, feed_published: str | None = None) -> dict | None:
    """extract.article on one page of `site`, as the dict the store takes (with content_hash)."""
    article = extract_article(html, url, hints=site.hints, reference=fetched_at, tz=site.timezone,
                              feed_published=feed_published)
    if article is None:
        return None
    return {**article.as_dict(), "content_hash": article.content_hash()}


def page_record(extracted: dict, **fetch) -> PageRecord:
    """A PageRecord from extract_page's dict and what the fetch knew (url, site, status, ...)."""
    return PageRecord(
        title=extracted.get("title"), text=extracted.get("text"), published_at=extracted.get("published"),
        published_precision=extracted.get("published_precision"), modified_at=extracted.get("modified"),
        author=extracted.get("author"), section=extracted.get("section"), tags=extracted.get("tags"),
        image=extracted.get("image"), lang=extracted.get("lang"), content_hash=extracted.get("content_hash"),
        **fetch,
    )


class ExtractPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: PageItem):
        if item.status == 200 and item.html:
            item.extracted = extract_page(self.crawler.spider.site, item.html, item.url, item.fetched_at,
                                          item.feed_published)
        return item


class StorePipeline:
    """Writes each page to the store in its own transaction and keeps the crawl's counts."""

    def __init__(self, crawler, db_path: str, progress: bool):
        self.crawler = crawler
        self.db_path = db_path
        self.progress = progress

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler, crawler.settings.get("RASID_DB", "rasid.db"), crawler.settings.getbool("RASID_PROGRESS"))
        # The crawl row is closed on spider_closed, which carries the finish reason.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        site = self.crawler.spider.site
        self.store = Store(self.db_path)
        self.store.ensure_site(site.key, site.name, site.base_url, site.timezone)
        self.crawl_id = self.store.start_crawl(site.key)
        self.counts: Counter[str] = Counter()
        self.errors: list[str] = []

    def process_item(self, item: PageItem):
        self.counts["pages"] += 1
        data = item.extracted or {}
        if item.status == 200 and not data.get("text"):
            self.errors.append(f"{item.url}: no article text found")
            self.crawler.spider.logger.warning("no article text in %s", item.url)
            return item
        record = page_record(data, url=item.url, site=item.site, status=item.status, fetched_at=item.fetched_at,
                             etag=item.etag, last_modified=item.last_modified, html=item.html)
        outcome = self.store.record_page(record, self.crawl_id)
        self.counts[outcome] += 1
        if self.progress and outcome in ("new", "changed", "removed", "restored"):
            title = data.get("title") or item.url
            print(f"  [{item.site}] {outcome:<8} {title}", file=sys.stderr, flush=True)
        return item

    def spider_closed(self, spider, reason: str):
        errors = self.errors + spider.errors
        status = "ok" if reason == "finished" and not errors else ("partial" if reason == "finished" else reason)
        self.store.finish_crawl(self.crawl_id, dict(self.counts), errors, status)
        self.store.close()
