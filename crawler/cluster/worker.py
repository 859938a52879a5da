"""`rasid worker`: a Scrapy process of a Rasid cluster (crawler/cluster/shared.py).

Its scheduler and duplicate filter are scrapy-redis's, in Redis, shared by every worker: one news
spider per site (NewsSpider, named news:<site>, so each site has its own queue), fed by the jobs the
daemon pushes, whose requests any worker may take. Extraction runs here, in the worker's pool as in
a local crawl (crawler.crawl.pipelines.ExtractPipeline); each extracted page goes to the rasid:pages
stream (StreamPipeline) instead of the store, for the one writer.

A worker killed at any moment loses nothing: the jobs and requests it had taken are leased, not
removed (LeasingScheduler, crawler.cluster.shared's leases), and go back to the queue once its heartbeat
has expired, for another worker to take; a page it had added to the stream is written once
(crawler.cluster.writer), and one it had not is fetched again with its request.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import secrets
import socket
import time

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, DropItem
from scrapy.utils.request import request_from_dict
from scrapy_redis.scheduler import Scheduler

from crawler.cluster import shared
from crawler.crawl import settings as crawl_settings
from extract.model import FetchedPage, ListingPage
from monitor.config import Config
from monitor.recorder import no_article_text
from monitor.site import Site
from spiders.news import NewsSpider

log = logging.getLogger("rasid.worker")
JOBS_PER_IDLE = 200  # jobs a spider takes from its site's list each time it runs dry
# how often a worker asks Redis whether its sites have work: Scrapy's engine looks at an idle
# spider's scheduler only on its own heartbeat (5 s), so a round pushed to an idle worker, or requests
# another worker queued, would wait up to that long
WAKE_EVERY = 0.5


class ClusterSpider(NewsSpider):
    """NewsSpider fed by its site's jobs in Redis; discovered links already stored are skipped
    (rasid:stored:<site>, kept by the writer) instead of the store's list a local crawl reads."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.leases = shared.Leases(shared.connect(crawler.settings.get("REDIS_URL")), spider.site.key,
                                       crawler.settings.get("RASID_WORKER_NAME"))
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
        for raw in self.leases.take_jobs(JOBS_PER_IDLE):
            for request in self.job_requests(json.loads(raw)):
                self.crawler.engine.crawl(request)  # queued in Redis before the call returns
            self.leases.job_done(raw)  # its requests are in the queue: the job is done
        raise DontCloseSpider

    def job_requests(self, job: dict):
        if job["kind"] == "discover":
            for request in self._start_requests():  # feeds, sitemaps, listings (self.known is empty)
                yield request.replace(dont_filter=True)  # asked again every round
        elif job["kind"] == "revisit":  # the job carries the article's validators and body hash
            yield self.article_request(job["url"], dont_filter=True, known=job)

    def fresh(self, urls: list[str]) -> list[str]:
        return self.leases.fresh_links(urls) if urls else []


class LeasingScheduler(Scheduler):
    """scrapy-redis's scheduler with leases (crawler.cluster.shared): a request taken from the site's queue
    moves to this worker's lease, and leaves it when Scrapy's engine is done with it; queueing a
    request, its fingerprint and the round's count are one script. Requests travel as JSON (a
    pickle from Redis could run code in every worker).

    When the engine is done with a request is known from one place only: its slot's
    `remove_request`, called once the answer went through the callback and every item it yielded
    through the pipelines (or once the request was replaced by a retry or a redirect, queued
    first). Scrapy has no signal for it (`response_received` and `item_scraped` come before or
    without it), so `open` wraps that method: a private attribute, pinned by tests/test_cluster.py,
    whose rolling-restart test fails if a Scrapy release moves it."""

    def open(self, spider):
        super().open(spider)
        self.leases = spider.leases
        self.held: dict = {}  # request -> its lease (the encoded request)
        slot = spider.crawler.engine._slot
        removed = slot.remove_request

        def remove_request(request):
            self.done(request)
            removed(request)

        slot.remove_request = remove_request

    def enqueue_request(self, request):
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.leases.queue(encode_request(request, self.spider), -request.priority, fingerprint):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        while (data := self.leases.lease()) is not None:
            try:
                request = decode_request(data, self.spider)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                self.spider.logger.error("frontier entry of %s that is no request (%s): dropped", self.spider.name,
                                         exc)
                self.leases.request_done(data)
                continue
            self.held[request] = data
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
            return request
        return None

    def done(self, request) -> None:
        data = self.held.pop(request, None)
        if data is not None:
            self.leases.request_done(data)


def encode_request(request, spider) -> bytes:
    """A request for the frontier: Scrapy's dict of it as JSON (bytes as base64), with a unit id of
    its own so that two equal requests are two leases."""
    data = request.to_dict(spider=spider)
    data.pop("_class", None)  # always scrapy.Request: a class named in Redis is never loaded
    return json.dumps({"unit": secrets.token_hex(8), "request": _plain(data)}, ensure_ascii=False).encode("utf-8")


def decode_request(data: bytes, spider):
    fields = json.loads(data, object_hook=_bytes_back)["request"]
    fields.pop("_class", None)  # Scrapy would import and build the class it names
    return request_from_dict(fields, spider=spider)


def _plain(value):
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {(k.decode("latin-1") if isinstance(k, bytes) else k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a {type(value).__name__} cannot travel in a request to the frontier")


def _bytes_back(value: dict):
    return base64.b64decode(value["$b"]) if value.keys() == {"$b"} else value


class StreamPipeline:
    """Adds each extracted page to the rasid:pages stream: the record the store pipeline would write."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.redis = shared.connect(crawler.settings.get("REDIS_URL"))
        self.name = crawler.settings.get("RASID_WORKER_NAME")
        self.waiting = 0  # the stream's length after this pipeline's last page: the writer's backlog

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item: FetchedPage | ListingPage):
        if not isinstance(item, FetchedPage | ListingPage):
            return item
        spider = self.crawler.spider
        if isinstance(item, FetchedPage) and no_article_text(item, spider.site.checks_pages):
            spider.logger.warning("no article text in %s", item.url)
            raise DropItem(f"{item.url}: no article text found")
        # the writer is behind: wait for it. The length comes with the last page added, so a page
        # costs one round trip to Redis (each blocks the reactor: on a busy machine, milliseconds)
        while self.waiting >= shared.MAX_STREAM:
            await asyncio.sleep(0.5)
            self.waiting = self.redis.xlen(shared.PAGES)
        with self.redis.pipeline() as pipe:  # MULTI: the page and its unit of the round's open work
            pipe.xadd(shared.PAGES, {"page": shared.pack(item), "site": item.site, "worker": self.name,
                                      "counted": 1})
            pipe.hincrby(shared.round_key(item.site), "open", 1)
            pipe.xlen(shared.PAGES)
            *_, self.waiting = pipe.execute()
        return item


def settings(config: Config, sites: list[Site], redis_url: str, name: str, concurrency: int | None = None,
             log_level: str = "WARNING"):
    """A worker's Scrapy settings: a crawl's (crawler.crawl.settings.build), its scheduler, duplicate
    filter and item pipeline the cluster's."""
    return crawl_settings.build(config, sites, log_level, {
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.cluster.worker.LeasingScheduler",
        "SCHEDULER_PERSIST": True,  # the frontier outlives every worker
        "SCHEDULER_QUEUE_KEY": "rasid:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": "rasid:%(spider)s:dupefilter",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "ITEM_PIPELINES": {"crawler.crawl.pipelines.ExtractPipeline": 300, "crawler.cluster.worker.StreamPipeline": 800},
        "RASID_WORKER_NAME": name,
        **({"CONCURRENT_REQUESTS": concurrency} if concurrency else {}),
    })


def wake(client, crawlers) -> None:
    """Each spider whose site has jobs waiting or requests queued (one round trip for all sites) is
    asked to look now, not at its engine's next heartbeat: idle, it takes the jobs (ClusterSpider.idle)
    or leases the requests. A busy engine asked again only leases what its slots allow, as it
    would after its next answer. `_slot.nextcall` is the engine's own "look again" (private: pinned
    by tests/test_cluster.py, which fails if a Scrapy release moves it)."""
    open_ = [c for c in crawlers if c.spider is not None and getattr(c.engine, "_slot", None) is not None]
    if not open_:
        return
    with client.pipeline(transaction=False) as pipe:
        for crawler in open_:
            pipe.llen(shared.jobs_key(crawler.spider.site.key))
            pipe.zcard(shared.queue_key(crawler.spider.site.key))
        answers = pipe.execute()
    for n, crawler in enumerate(open_):
        if answers[2 * n] or answers[2 * n + 1]:
            crawler.engine._slot.nextcall.schedule()


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

    shared.connect(redis_url)  # one clear line now if Redis is not there
    _quiet_scrapy_redis()
    name = f"{socket.gethostname()}:{os.getpid()}"
    process = CrawlerProcess(settings(config, sites, redis_url, name, concurrency, log_level))
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(ClusterSpider)
        crawlers.append(crawler)
        process.crawl(crawler, site=site)
    started, client = time.time(), shared.connect(redis_url)

    def heartbeat():
        """Alive (so the leases this worker holds stay its own); the leases of workers whose
        heartbeat is gone back to the queues."""
        import redis

        pages = sum(c.stats.get_value("item_scraped_count", 0) or 0 for c in crawlers)
        fetched = sum(c.stats.get_value("response_received_count", 0) or 0 for c in crawlers)
        try:
            shared.beat(client, shared.WORKERS + name, {"pages": pages, "responses": fetched, "started": started,
                                                          "sites": [s.key for s in sites]})
            shared.reclaim(client)
        except redis.RedisError as exc:  # a LoopingCall whose call raises never runs again: say so, beat on
            log.warning("heartbeat: %s", shared.redact(str(exc), redis_url))

    def look():
        import redis

        try:
            wake(client, crawlers)
        except redis.RedisError as exc:  # as the heartbeat: say so, look again next time
            log.warning("looking for work: %s", shared.redact(str(exc), redis_url))

    loop = task.LoopingCall(heartbeat)
    loop.start(3.0, now=True)  # alive before the first lease is taken
    task.LoopingCall(look).start(WAKE_EVERY, now=False)
    process.start()
    client.delete(shared.WORKERS + name)  # stopped, not dead
    shared.reclaim(client, only=name)  # what it still held (nothing, after a graceful stop) goes back
