"""Running crawls: one-off in this process, or in a child process.

Scrapy's Twisted reactor cannot be restarted inside one process
(ReactorNotRestartable), so anything that crawls more than once — the demo,
later the daemon — runs each crawl as a child process (`python -m crawler
crawl …`), as news-please does. A child that crashes or hangs cannot take
the caller down with it, and its memory is returned when it exits.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from crawler.config import DEMO_UPDATE, SNAPSHOTS, Config, Site
from db.store import Store, StoreError


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


def crawl_here(config: Config, sites: list[Site], db_path: Path, progress: bool = False,
               log_level: str = "WARNING", due_only: bool = False) -> tuple[int, list[str]]:
    """Crawl `sites` into the store, in this process (once per process).

    Stored articles within the revisit schedule's window are fetched again (conditionally);
    with `due_only` (the daemon), only those whose step of the schedule has come round.
    Each site's crawl is claimed in the store first: a site another live process is
    crawling is skipped, never crawled twice at once. Returns the id of the last crawl row
    before this run (rows after it are this run's) and one line per skipped site."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from spiders.news import NewsSpider

    store = Store(db_path, config.max_store_mb)
    now = datetime.now(UTC)
    claimed, skipped = {}, []
    try:
        before = store.last_crawl_id()
        for site in sites:
            store.ensure_site(site.key, site.name, site.base_url, site.timezone)
            crawl_id, running = store.claim_crawl(site.key)
            if crawl_id is None:
                skipped.append(f"{site.key}: already being crawled by process {running['pid']} "
                               f"(since {running['started_at']}); skipped")
            else:
                claimed[site.key] = crawl_id
        due = {key: store.due_articles(key, now, config.revisit_schedule, every_step=due_only) for key in claimed}
        stored = {key: store.stored_urls(key) for key in claimed}
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

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("RASID_DB", str(db_path), priority="cmdline")
    settings.set("RASID_PROGRESS", progress, priority="cmdline")
    settings.set("RASID_MAX_STORE_MB", config.max_store_mb or 0, priority="cmdline")
    settings.set("DOWNLOAD_TIMEOUT", config.download_timeout, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    # host names of the sites' own mirrors (a replay server on localhost): the resolver lets them resolve inside
    settings.set("RASID_TRUSTED_HOSTS", sorted({urlsplit(s.fetch_origin).hostname or "" for s in sites} - {""}),
                 priority="cmdline")
    process = CrawlerProcess(settings)
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_OneLine())
    for site in sites:
        if site.key in claimed:  # one crawler per site: its own settings (the politeness delay) and pipelines
            process.crawl(NewsSpider, site=site, known=due[site.key], stored=stored[site.key],
                          crawl_id=claimed[site.key])
    process.start()
    return before, skipped


def crawl_command(db_path: Path, sites: list[str] | None = None, base_urls: dict[str, str] | None = None,
                  config_path: Path | None = None, quiet: bool = True, due_only: bool = False,
                  log_level: str | None = None) -> list[str]:
    """The command line of a `rasid crawl` child process (the demo's, the daemon's): built here only."""
    cmd = [sys.executable, "-m", "crawler", "crawl", "--db", str(db_path)]
    if config_path:
        cmd += ["--config", str(config_path)]
    for key, url in (base_urls or {}).items():
        cmd += ["--base-url", f"{key}={url}"]
    if quiet:
        cmd.append("--quiet")
    if due_only:
        cmd.append("--due-only")
    if log_level:
        cmd += ["--log-level", log_level]
    return cmd + list(sites or [])


def crawl_in_child(db_path: Path, sites: list[str] | None = None, base_urls: dict[str, str] | None = None,
                   config_path: Path | None = None, quiet: bool = True, timeout: float | None = None) -> int:
    """Run `rasid crawl` as a child process; return its exit code."""
    return subprocess.run(crawl_command(db_path, sites, base_urls, config_path, quiet), timeout=timeout).returncode


def copy_snapshots(target: Path) -> Path:
    """A writable copy of the shipped snapshots (the demo edits it)."""
    shutil.copytree(SNAPSHOTS, target)
    return target


def apply_demo_update(snapshot_root: Path) -> None:
    """Turn day one of the snapshots into day two: files from demo-update/
    replace or join the snapshot, and the paths in _removed.txt disappear."""
    for source in DEMO_UPDATE.rglob("*"):
        if source.is_file() and source.name != "_removed.txt":
            target = snapshot_root / source.relative_to(DEMO_UPDATE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for line in (DEMO_UPDATE / "_removed.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            (snapshot_root / line.strip()).unlink(missing_ok=True)
