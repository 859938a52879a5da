"""`rasid worker`: a Scrapy process of a Rasid cluster (crawler/cluster.py).

Its scheduler and duplicate filter are scrapy-redis's, in Redis, shared by every worker: one news
spider per site (NewsSpider, named news:<site>, so each site has its own queue), fed by the jobs the
daemon pushes, whose requests any worker may take. Extraction runs here, in the worker's pool as in
a local crawl (crawler.pipelines.ExtractPipeline); each extracted page goes to the rasid:pages
stream (StreamPipeline) instead of the store, for the one writer.

A worker killed at any moment loses at most the requests it had taken from the frontier and the
pages it had not yet added to the stream: neither is in the store (the writer adds nothing it did
not get), and both are found again by the site's next round (crawler.cluster).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem

from crawler import cluster
from crawler.pipelines import page_committed
from extract.model import FetchedPage
from monitor.config import Config, Site
from spiders.news import NewsSpider

JOBS_PER_IDLE = 200  # jobs a spider takes from its site's list each time it runs dry


class ClusterSpider(NewsSpider):
    """NewsSpider fed by its site's jobs in Redis; discovered links already stored are skipped
    (rasid:stored:<site>, kept by the writer) instead of the store's list a local crawl reads."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.redis = cluster.connect(crawler.settings.get("REDIS_URL"))
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        return
        yield  # the requests come from the jobs (idle)

    def idle(self):
        """Take the next jobs of this site; never close while the cluster runs. Run dry, this
        spider's part of the round is over: what it kept for the round (links seen, feed dates,
        sitemap entries read, errors) starts again, so a worker that runs for months holds none of it."""
        for error in self.errors:
            self.logger.error("%s", error)
        self.errors.clear()
        self.seen, self.sitemap_urls = set(), 0
        self.feed_dates.clear()
        jobs = self.redis.lpop(cluster.jobs_key(self.site.key), JOBS_PER_IDLE) or []
        for raw in jobs:
            for request in self.job_requests(json.loads(raw)):
                self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def job_requests(self, job: dict):
        if job["kind"] == "discover":
            for request in self._start_requests():  # feeds, sitemaps, listings (self.known is empty)
                yield request.replace(dont_filter=True)  # asked again every round
        elif job["kind"] == "revisit":  # the job carries the article's validators and body hash
            yield self.article_request(job["url"], dont_filter=True, known=job)

    def _article_links(self, urls):
        candidates = []
        for url in urls:
            public = self.public(url)
            if public not in self.seen and self.site.is_article(public):
                self.seen.add(public)
                candidates.append(public)
        if not candidates:
            return
        stored = self.redis.smismember(cluster.stored_key(self.site.key), candidates)
        for public, known in zip(candidates, stored, strict=True):
            if not known:
                yield self.article_request(public)


class StreamPipeline:
    """Adds each extracted page to the rasid:pages stream: the record the store pipeline would write."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.redis = cluster.connect(crawler.settings.get("REDIS_URL"))
        self.name = crawler.settings.get("RASID_WORKER_NAME")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item: FetchedPage):
        if not isinstance(item, FetchedPage):
            return item
        spider = self.crawler.spider
        if item.status == 200 and not (item.article and (item.article.text or spider.site.checks_pages)):
            spider.logger.warning("no article text in %s", item.url)
            raise DropItem(f"{item.url}: no article text found")
        while self.redis.xlen(cluster.PAGES) >= cluster.MAX_STREAM:  # the writer is behind: wait for it
            await asyncio.sleep(0.5)
        self.redis.xadd(cluster.PAGES, {"page": cluster.pack(item), "site": item.site, "worker": self.name})
        page_committed()
        return item


def settings(config: Config, redis_url: str, concurrency: int | None, log_level: str, name: str):
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict({
        "LOG_LEVEL": log_level,
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        "REDIS_URL": redis_url,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_PERSIST": True,  # the frontier outlives every worker
        "SCHEDULER_QUEUE_KEY": "rasid:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": "rasid:%(spider)s:dupefilter",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "ITEM_PIPELINES": {"crawler.pipelines.ExtractPipeline": 300, "crawler.worker.StreamPipeline": 800},
        "RASID_WORKER_NAME": name,
    }, priority="cmdline")
    if concurrency:
        settings.set("CONCURRENT_REQUESTS", concurrency, priority="cmdline")
    return settings


def _quiet_scrapy_redis() -> None:
    """scrapy-redis 0.9 passes `spider=` to Scrapy's stats, which Scrapy 2.13+ deprecates: one
    warning a request, about the library, not the crawl."""
    import warnings

    from scrapy.exceptions import ScrapyDeprecationWarning

    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")


def run_worker(config: Config, sites: list[Site], redis_url: str, concurrency: int | None = None,
               log_level: str = "WARNING") -> None:
    """Crawl for the cluster until stopped (SIGTERM, Ctrl-C: Scrapy's graceful stop)."""
    from scrapy.crawler import CrawlerProcess
    from twisted.internet import task

    cluster.connect(redis_url)  # one clear line now if Redis is not there
    _quiet_scrapy_redis()
    name = f"{socket.gethostname()}:{os.getpid()}"
    process = CrawlerProcess(settings(config, redis_url, concurrency, log_level, name))
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(ClusterSpider)
        crawlers.append(crawler)
        process.crawl(crawler, site=site)
    started, client = time.time(), cluster.connect(redis_url)

    def heartbeat():
        pages = sum(c.stats.get_value("item_scraped_count", 0) or 0 for c in crawlers)
        fetched = sum(c.stats.get_value("response_received_count", 0) or 0 for c in crawlers)
        cluster.beat(client, cluster.WORKERS + name, {"pages": pages, "responses": fetched, "started": started,
                                                      "sites": [s.key for s in sites]})

    loop = task.LoopingCall(heartbeat)
    loop.start(3.0, now=False)
    process.start()
    client.delete(cluster.WORKERS + name)  # stopped, not dead
