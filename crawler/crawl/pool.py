"""Extraction in forked processes, for a crawl (beside Scrapy's reactor, which is one thread) and
for `rasid import warc` (beside the archive being read): extraction is CPU-bound, the rest is not.

The workers are forked (not spawned), so they start in milliseconds; each dies with the process
that forked it (crawler.crawl.processes), and each says its pid as it starts, so that a worker
stuck on a page can be killed: a running task cannot be interrupted, and ProcessPoolExecutor gives
no public handle on its processes.

A forked worker begins with every page of private memory its parent holds counted in its own
resident size (copy-on-write pages are shared, but each process maps them all). A crawl therefore
forks its workers before it imports Scrapy and Twisted (`start_pool`): forked from the crawl
process once Scrapy ran, each worker began at ~79 MB; forked before, at a fraction of that, and
each imports extract/ itself on its first page."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor

from crawler.crawl.processes import die_with_crawl
from extract.model import Article, FetchedPage, Prepared
from monitor.site import Site
from monitor.stories import prepare


def extract_page(page: FetchedPage, **options) -> tuple[Article | None, Prepared | None]:
    """extract.article.extract_page, imported on the first page to extract: trafilatura and its
    dependencies are a large share of the start-up of a revisit that extracts nothing (every
    article answered 304), and a crawl's workers are forked before it (see the module's note).

    With the Article comes what the store writes of the page besides (monitor.stories.prepare: its
    HTML compressed, its title and text folded for search, the text's reprint signature), made here,
    beside the extraction, rather than in the one process that writes the store for every worker.
    (numpy, which the signature needs, is in the worker already: sqlite-utils imports it in the
    process the workers are forked from.)"""
    from extract.article import extract_page as extract

    article = extract(page, **options)
    return article, (prepare(page.html, article) if article is not None else None)


def _started(pids) -> None:
    die_with_crawl()
    # the terminal's Ctrl-C reaches the whole process group: what a stop means is the crawl's (or
    # the import's) to decide, and a worker it killed would fail the page it holds
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    pids.put(os.getpid())


class ExtractionPool:
    """`workers` processes extracting pages, forked as it is made."""

    def __init__(self, workers: int):
        context = multiprocessing.get_context("fork")
        self._pids = context.SimpleQueue()
        self._executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_started,
                                             initargs=(self._pids,))
        # a forking executor forks all its workers at its first task: that is now, from what this
        # process holds now, not from what it holds when the first page comes
        self._executor.submit(os.getpid)

    def submit(self, page: FetchedPage, site: Site) -> Future:
        """The page's extraction (with the site's hints and zone), under way in a worker: its result
        is extract_page's, (Article, Prepared)."""
        return self._executor.submit(extract_page, page, hints=site.hints, tz=site.timezone)

    def kill(self) -> None:
        """Kill every worker at once (one is stuck on a page past its time limit); the pages the
        others held fail with the broken pool."""
        while not self._pids.empty():
            try:
                os.kill(self._pids.get(), signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._pids.close()

    def shutdown(self) -> None:
        """Let the workers finish what they hold, then end them."""
        self._executor.shutdown(cancel_futures=True)
        self._pids.close()


_POOL: ExtractionPool | None = None  # one per crawl process, shared by its spiders


def default_workers() -> int:
    """A crawl's extraction workers unless its settings say otherwise: one per core."""
    return os.cpu_count() or 1


def start_pool(workers: int | None = None) -> None:
    """Fork this process's extraction workers now, before it imports what they do not need (a
    crawl: Scrapy, Twisted), so that they do not carry it: see the module's note."""
    extraction_pool(default_workers() if workers is None else workers)


def extraction_pool(workers: int) -> ExtractionPool:
    """This process's pool, forked on first use if start_pool did not fork it."""
    global _POOL
    if _POOL is None:
        _POOL = ExtractionPool(workers)
    return _POOL


def replace_pool() -> None:
    """Kill the pool's workers (one of them is stuck on a page past the time limit) and let the
    next page start a fresh pool. The pages the other workers held fail with the broken pool and
    are recorded; the next crawl fetches them."""
    global _POOL
    pool, _POOL = _POOL, None
    if pool is not None:
        pool.kill()
