"""Test-only Scrapy extensions for cluster workers, enabled by a setting (EXTENSIONS) where a test
starts its worker (tests/test_cluster.py): they stop the worker at a point of its work the test
chose, so a kill lands there on any machine, however fast or loaded."""

from __future__ import annotations

import os
import re
import signal

from scrapy import signals

CHILD_SITEMAP = re.compile(r"/sitemap-\d+\.xml$")  # benchmarks/synthetic.py's index children


class StopAtChildSitemap:
    """The worker stops itself (SIGSTOP) when a child sitemap of the index reaches its downloader:
    it holds that request, unread, and whatever else it had taken."""

    def __init__(self, crawler):
        crawler.signals.connect(self.reached, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def reached(self, request, spider):
        if CHILD_SITEMAP.search(request.url):
            os.kill(os.getpid(), signal.SIGSTOP)
