"""The settings of Scrapy's own commands in the project (scrapy.cfg names this module): every
crawl's settings (crawler/crawl/settings.py), and for `scrapy crawl news -a site=KEY`, which is the
crawl `rasid crawl KEY` runs, what `rasid crawl` prints: its start line, a progress line per new,
changed, removed or restored article, and the summary table (Scrapy's own log is at WARNING, so
that crawl stored its articles and said nothing)."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler import report
from crawler.crawl.settings import *  # noqa: F403 (Scrapy reads every upper-case name of this module)
from db.store import Store
from monitor.site import Site

RASID_PROGRESS = True
EXTENSIONS = {"crawler.scrapy_command.CrawlSummary": 500}


class CrawlSummary:
    """A news crawl's start line, then its summary once the engine stopped (its row closed)."""

    def __init__(self, crawler, site: Site, db: str):
        self.crawler, self.site, self.db = crawler, site, db
        with Store(db) as store:
            self.before = store.last_crawl_id()  # this crawl's row comes after it
        self.started = time.monotonic()
        print(f"crawling {site.key} into {db}", file=sys.stderr, flush=True)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler):
        site = getattr(crawler.spider, "site", None)  # the spider exists by now, built from its -a arguments
        if not isinstance(site, Site):
            raise NotConfigured("not a news crawl (scrapy fetch, scrapy shell, another spider)")
        return cls(crawler, site, crawler.settings.get("RASID_DB"))

    def engine_stopped(self):
        with Store(self.db) as store:
            rows = [r for r in store.crawl_summary(self.before) if r["site"] == self.site.key]
        stopped = [r["site"] for r in rows if r["status"] == "stopped"]
        print(report.crawl_ended(time.monotonic() - self.started, stopped), flush=True)
        for line in report.table(rows):
            print(line, flush=True)
        failed = [r for r in rows if r["status"] not in ("ok", "stopped")]
        if failed:
            print(f"crawl incomplete for {self.site.key}: see the crawls table (error_log), or rerun with "
                  "-s LOG_LEVEL=INFO", file=sys.stderr, flush=True)
            for line in report.first_errors(failed):
                print(line, file=sys.stderr, flush=True)
