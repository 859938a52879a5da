"""Running crawls: one-off in this process, or in a child process.

Scrapy's Twisted reactor cannot be restarted inside one process
(ReactorNotRestartable), so anything that crawls more than once — the demo,
the daemon — runs each crawl as a child process (`python -m crawler
crawl …`), as news-please does. A child that crashes or hangs cannot take
the caller down with it, and its memory is returned when it exits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path

from crawler.crawl import settings
from crawler.crawl.pool import start_pool
from crawler.crawl.processes import alive
from db.store import Store, StoreError
from monitor.config import Config
from monitor.schedule import revisits
from monitor.site import Site


class _OneLine(logging.Filter):
    """Scrapy logs a robots.txt that cannot be fetched with a whole traceback (two chained ones
    for a DNS failure); the failure of the page behind it is recorded and logged in one line by
    the spider anyway, so keep the message and drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.args, dict) and "request" in record.args:
            record.msg = "robots.txt for %(request)s could not be fetched (%(f_exception)s): the page is tried anyway"
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info = record.exc_text = None
        return True


class SitesBusy(RuntimeError):
    """Every site asked for is being crawled by another process right now."""


class StopRequest:
    """Ctrl-C or SIGTERM during a `rasid crawl`, honoured from the moment the command starts.

    Scrapy's own handlers are installed only once its reactor runs, and its graceful stop skips a
    crawler whose engine is still opening: a signal in the first second or so raised
    KeyboardInterrupt inside a crawler's start, which Twisted's Deferred swallowed, and the other
    crawls ran to their end and said ok, however often it was pressed. Here the signal is only
    noted (nothing runs in the handler but a write and a wake-up of the reactor): crawls not begun
    yet are not begun, an engine that starts after it stops at once (`watch`), a running one stops
    gracefully (the pages being written are written), and a second signal stops the reactor at
    once. Every crawl row left open is closed `stopped` by `crawl`."""

    def __init__(self):
        self.signals = 0
        self.started: list = []  # the crawlers whose engine has started
        self._wake = None  # set once the reactor runs

    @property
    def requested(self) -> bool:
        return self.signals > 0

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._received)

    def _received(self, signum, frame) -> None:
        self.signals += 1
        name = signal.Signals(signum).name
        # os.write: a print here could land inside another print to the same stream, which raises
        os.write(2, (f"rasid: {name}: stopping after the pages being written ({name} again: at once)\n"
                     if self.signals == 1 else f"rasid: {name} again: stopping at once\n").encode())
        if self._wake is not None:
            self._wake()

    def watch(self, crawler) -> None:
        """Before `crawler` crawls: stopped as its engine starts if a stop came first."""
        from scrapy import signals

        async def engine_started():
            self.started.append(crawler)
            if self.requested:
                await _stop_engine(crawler)

        crawler.signals.connect(engine_started, signal=signals.engine_started, weak=False)

    def on_reactor(self, reactor) -> None:
        """The reactor runs: a stop asked for from now on (or already) reaches the crawlers."""

        def stop():
            if self.signals > 1:
                with contextlib.suppress(RuntimeError):  # already stopping
                    reactor.stop()
                return
            from scrapy.utils.defer import deferred_from_coro

            for crawler in self.started:
                deferred_from_coro(_stop_engine(crawler))

        self._wake = lambda: reactor.callFromThread(stop)
        if self.requested:
            stop()


async def _stop_engine(crawler) -> None:
    """Scrapy's graceful stop of one crawler's engine (its spider closed with reason `shutdown`)."""
    with contextlib.suppress(RuntimeError):  # its engine stopped already: that crawl ended
        await crawler.engine.stop_async()


STOP = StopRequest()  # the process's: a crawl runs once per process


def crawl_here(config: Config, sites: list[Site], db_path: Path, progress: bool = False,
               log_level: str = "WARNING", due_only: bool = False) -> tuple[int, list[str]]:
    """Crawl `sites` into the store, in this process (once per process).

    Stored articles within the revisit schedule's window are fetched again (conditionally);
    with `due_only` (the daemon), only those whose step of the schedule has come round.
    Each site's crawl is claimed in the store first: a site another live process is
    crawling is skipped, never crawled twice at once. Returns the id of the last crawl row
    before this run (rows after it are this run's) and one line per skipped site."""
    before, claimed, skipped = _claim(config, sites, db_path, due_only)
    if STOP.requested:  # stopped before any crawler exists: the claimed rows are closed `stopped` by crawl()
        return before, skipped
    if claimed:
        start_pool()  # before Scrapy is imported, which the workers would otherwise carry (crawler.crawl.pool)

    from scrapy.crawler import CrawlerProcess

    from spiders.news import NewsSpider

    process = CrawlerProcess(settings.build(config, sites, log_level, {
        "RASID_DB": str(db_path), "RASID_PROGRESS": progress, "RASID_MAX_STORE_MB": config.max_store_mb or 0}))
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_OneLine())
    for site in sites:
        if site.key in claimed:  # one crawler per site: its own settings (the politeness delay) and pipelines
            crawl_id, (known, stored), listings = claimed[site.key]
            crawler = process.create_crawler(NewsSpider)
            STOP.watch(crawler)
            process.crawl(crawler, site=site, known=known, stored=stored, crawl_id=crawl_id, listings=listings)
    from twisted.internet import reactor  # the one the first crawler installed (Scrapy's asyncio reactor)

    reactor.callWhenRunning(STOP.on_reactor, reactor)
    process.start(install_signal_handlers=False)  # the signals are STOP's
    return before, skipped


def _claim(config: Config, sites: list[Site], db_path: Path, due_only: bool):
    """(the last crawl id before this run, site -> (its claimed crawl id, its revisits, its listings'
    state), skipped lines)."""
    store = Store(db_path, config.max_store_mb)
    now = datetime.now(UTC)
    claimed, skipped = {}, []
    try:
        before = store.last_crawl_id()
        for site in sites:
            store.ensure_site(site.key, site.name, site.base_url, site.timezone)
            crawl_id, running = store.claim_crawl(site.key, alive)
            if crawl_id is None:
                skipped.append(f"{site.key}: already being crawled by process {running['pid']} "
                               f"(since {running['started_at']}); skipped")
            else:
                claimed[site.key] = crawl_id, revisits(store, site.key, now, config.revisit_schedule,
                                                       every_step=due_only), store.listing_state(site.key)
    except sqlite3.Error as exc:  # a full disk, a locked or broken store: nothing crawled, no row left open
        try:
            store.fail_unfinished_crawls(os.getpid(), f"could not start: {exc}")
        except sqlite3.Error:
            pass  # the rows die with this process; the next crawl's claim closes them
        raise StoreError(f"{db_path}: cannot write to the store: {exc}") from None
    finally:
        store.close()
    if not claimed:
        raise SitesBusy("; ".join(skipped))
    return before, claimed, skipped


class CrawlExit(IntEnum):
    """What a `rasid crawl` process tells its caller by its exit code (2 is click's: a user mistake)."""

    OK = 0  # every site crawled to its end
    INCOMPLETE = 1  # a site's crawl failed or had errors (its crawl row says which), or the store failed
    BUSY = 3  # a site was skipped: another process is crawling it
    STOPPED = 130  # stopped by Ctrl-C or SIGTERM before its end (128 + SIGINT, as a shell says it)


@dataclass
class CrawlReport:
    rows: list[dict]  # per site: this run's crawl figures (Store.crawl_summary)
    skipped: list[str]  # one line per site skipped because another process crawls it
    failed: list[str]  # sites whose crawl did not end `ok` (nor `stopped`, when a stop was asked for)
    stopped: list[str]  # sites whose crawl a stop ended before its end

    @property
    def exit(self) -> CrawlExit:
        if self.failed:
            return CrawlExit.INCOMPLETE
        return CrawlExit.STOPPED if self.stopped else CrawlExit.BUSY if self.skipped else CrawlExit.OK


def crawl(config: Config, sites: list[Site], db_path: Path, progress: bool = False, log_level: str = "WARNING",
          due_only: bool = False) -> CrawlReport:
    """crawl_here, and what came of it per site. Raises SitesBusy or StoreError when nothing was crawled."""
    before, skipped = crawl_here(config, sites, db_path, progress=progress, log_level=log_level, due_only=due_only)
    with Store(db_path) as store:
        if STOP.requested:  # crawls a stop ended before they began, or a second signal cut short
            store.fail_unfinished_crawls(os.getpid(), "stopped (Ctrl-C or SIGTERM) before the crawl finished",
                                         "stopped")
        rows = store.crawl_summary(before)
    busy = {line.split(":", 1)[0] for line in skipped}
    stopped = sorted(r["site"] for r in rows if r["status"] == "stopped") if STOP.requested else []
    failed = sorted({s.key for s in sites} - busy - set(stopped) - {r["site"] for r in rows if r["status"] == "ok"})
    return CrawlReport(rows, skipped, failed, stopped)


def crawl_command(db_path: Path, sites: list[str] | None = None, base_urls: dict[str, str] | None = None,
                  config_path: Path | None = None, quiet: bool = True, due_only: bool = False,
                  log_level: str | None = None, die_with_parent: bool = False,
                  sites_file: Path | None = None) -> list[str]:
    """The command line of a `rasid crawl` child process (the demo's, the daemon's): built here only."""
    cmd = [sys.executable, "-m", "crawler", "crawl", "--db", str(db_path)]
    if config_path:
        cmd += ["--config", str(config_path)]
    if sites_file:
        cmd += ["--sites-file", str(sites_file)]
    for key, url in (base_urls or {}).items():
        cmd += ["--base-url", f"{key}={url}"]
    flags = {"--quiet": quiet, "--due-only": due_only, "--die-with-parent": die_with_parent}
    cmd += [flag for flag, wanted in flags.items() if wanted]
    if log_level:
        cmd += ["--log-level", log_level]
    return cmd + list(sites or [])


class ChildCrawl:
    """A `rasid crawl` in a child process. `detached`: in its own session (a daemon's crawl: the
    terminal's Ctrl-C is the daemon's to handle, and stop() can kill its extraction workers with
    it), killed by the kernel if the caller dies; otherwise in the caller's process group (the
    demo's: Ctrl-C stops both)."""

    def __init__(self, db_path: Path, sites: list[str] | None = None, *, detached: bool = False, **options):
        """`options`: those of crawl_command (base_urls, config_path, sites_file, quiet, due_only, log_level)."""
        self.process = subprocess.Popen(crawl_command(db_path, sites, die_with_parent=detached, **options),
                                        start_new_session=detached)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float | None = None) -> int:
        """The exit code (a CrawlExit, 2 for a user mistake, another for a crash); raises
        subprocess.TimeoutExpired when the crawl outlives `timeout`."""
        code = self.process.wait(timeout=timeout)
        try:
            return CrawlExit(code)
        except ValueError:  # a crash's own code
            return code

    def stop(self, grace: float = 5) -> None:
        """Stop the crawl within about 2 × grace seconds. The first SIGTERM is Scrapy's graceful
        stop, which still waits for downloads in flight (a server that never answers holds it for
        the whole download timeout); the second is Scrapy's forced stop; then SIGKILL for the
        whole process group, extraction workers included. Each stored page is one transaction,
        so none of these leaves anything half-written."""
        process = self.process
        for _ in range(2):
            if process.poll() is not None:
                return
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
