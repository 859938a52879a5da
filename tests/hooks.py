"""Test-only hooks that stop a Rasid process at a point of its work the test chose (SIGSTOP), so a
kill lands there on any machine, however fast or loaded; and the command lines that start `rasid`
children with them. The product knows none of this: the hooks are a Scrapy extension and Scrapy
settings put on the child's settings module, and a callback the writer takes, set in the child."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import sys

from scrapy import signals

from extract.model import FetchedPage

CHILD_SITEMAP = re.compile(r"/sitemap-\d+\.xml$")  # benchmarks/synthetic.py's index children


def _stop() -> None:
    os.kill(os.getpid(), signal.SIGSTOP)


class StopAtChildSitemap:
    """The worker stops itself when a child sitemap of the index reaches its downloader: it holds
    that request, unread, and whatever else it had taken."""

    def __init__(self, crawler):
        crawler.signals.connect(self.reached, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def reached(self, request, spider):
        if CHILD_SITEMAP.search(request.url):
            _stop()


class NoEngineHeartbeat:
    """Scrapy's engine looks at an idle spider's scheduler on its own heartbeat (every 5 s): this sets
    that to an hour, so a worker that still takes work pushed while it was idle was woken by Rasid
    (crawler.cluster.worker.wake), not by the heartbeat. Set on spider_opened, before the engine
    starts its heartbeat (ExecutionEngine._SLOT_HEARTBEAT_INTERVAL, private: a Scrapy release that
    renames it makes the test using this fail, not pass)."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider):
        engine = self.crawler.engine
        assert isinstance(getattr(type(engine), "_SLOT_HEARTBEAT_INTERVAL", None), float)
        engine._SLOT_HEARTBEAT_INTERVAL = 3600.0


class StopAfterPages:
    """The process stops itself once STOP_AFTER_PAGES pages, counted over every spider of the
    process, went through all the item pipelines (`item_scraped`): stored in their own transaction
    by a local crawl, or added to the stream by a cluster worker. A kill then lands between two
    transactions, mid-crawl."""

    done = 0  # pages of every crawler of this process

    def __init__(self, crawler):
        self.after = crawler.settings.getint("STOP_AFTER_PAGES")
        crawler.signals.connect(self.scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def scraped(self, item, response, spider):
        if not isinstance(item, FetchedPage):  # a listing page's reading is no page stored
            return
        StopAfterPages.done += 1
        if StopAfterPages.done == self.after:
            _stop()


def stop_after_pages(pages: int) -> dict:
    """Scrapy settings for `rasid(...)`: stop after that many pages (StopAfterPages)."""
    return {"EXTENSIONS": {"tests.hooks.StopAfterPages": 500}, "STOP_AFTER_PAGES": pages}


def rasid(*args: str, settings: dict | None = None, writer_stops: tuple[str, int] | None = None) -> list[str]:
    """The command line of `rasid ARGS` in a child process with the test's hooks:
    `settings` over Rasid's Scrapy settings (set on crawler.crawl.settings, the module every crawl's
    and every worker's settings start from, before the command runs); `writer_stops` = (step,
    pages): a `rasid writer` that stops itself at `step` ("recorded": inside a batch's transaction;
    "committed": after its commit, before the acknowledgement) once it has written that many pages."""
    hooks = {"settings": settings or {}, "writer_stops": writer_stops}
    return [sys.executable, "-c", "from tests.hooks import child; child()", json.dumps(hooks), *args]


def child() -> None:
    """The child's side of `rasid(...)`: the hooks set, then the command line as `rasid` runs it."""
    import crawler.cluster.writer as writer
    import crawler.crawl.settings as crawl_settings
    from crawler.cli import main

    hooks = json.loads(sys.argv[1])
    for name, value in hooks["settings"].items():
        setattr(crawl_settings, name, value)
    if hooks["writer_stops"]:
        writer.Writer = functools.partial(writer.Writer, on_step=_writer_stop(*hooks["writer_stops"]))
    main(sys.argv[2:], prog_name="rasid")


def _writer_stop(at: str, pages: int):
    stopped = []

    def on_step(step: str, counts) -> None:
        if step == at and counts["pages"] >= pages and not stopped:
            stopped.append(step)
            _stop()

    return on_step
