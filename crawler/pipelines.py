"""Item pipelines: extraction (pure, from extract/) and storage (db/).

Kept apart so each can be tested alone and so extraction can later move off
the reactor thread without touching storage."""

from __future__ import annotations

import sys
from collections import Counter

from scrapy import signals

from db.store import PageRecord, Store
from extract.article import extract_article
from spiders.news import PageItem


class ExtractPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: PageItem):
        if item.status == 200 and item.html:
            site = self.crawler.spider.site
            article = extract_article(item.html, item.url, hints=site.hints, reference=item.fetched_at,
                                      tz=site.timezone, feed_published=item.feed_published)
            item.extracted = article.as_dict() if article else None
            if article:
                item.extracted["content_hash"] = article.content_hash()
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
        record = PageRecord(
            url=item.url, site=item.site, status=item.status, fetched_at=item.fetched_at,
            title=data.get("title"), text=data.get("text"), published_at=data.get("published"),
            published_precision=data.get("published_precision"), modified_at=data.get("modified"),
            author=data.get("author"), section=data.get("section"), tags=data.get("tags"),
            image=data.get("image"), lang=data.get("lang"), content_hash=data.get("content_hash"),
            etag=item.etag, last_modified=item.last_modified, html=item.html,
        )
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
