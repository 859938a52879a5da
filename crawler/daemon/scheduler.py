"""`rasid daemon`: every enabled site crawled on its own schedule, alerts delivered.

Design
- APScheduler 3 (BackgroundScheduler) holds one job per site: an interval
  (`revisit`) or a crontab line (`cron`). Its job store is a table of the
  Rasid store itself (`scheduler_jobs`, through SQLAlchemyJobStore), so a
  restarted daemon resumes each site's schedule instead of starting over.
  Jobs are `max_instances=1` (a crawl still running when its next turn comes
  is not started twice) and `coalesce=True` with no misfire limit (runs missed
  while the daemon was down become one run).
- Scrapy's Twisted reactor cannot be restarted in one process, so each crawl
  is a child process (`rasid crawl SITE --due-only`), as `rasid demo` does.
  That also bounds a crawl: one that hangs past `crawl_timeout` is stopped
  (SIGTERM, then SIGKILL) and one that crashes is recorded as failed in
  `crawls`; the daemon goes on. A child also gets SIGTERM if the daemon dies
  (Linux PR_SET_PDEATHSIG), so no crawl outlives it unattended.
- SIGTERM / SIGINT: no new crawl starts; running crawls get SIGTERM, which
  Scrapy turns into a graceful stop (pages in flight are dropped, each stored
  page is one transaction, so nothing is half-written); their crawl rows say
  `stopped`, not `failed`; the daemon waits for them and exits 0.
- Alerts: the crawl writes them to the outbox (see crawler.daemon.alerts); the daemon
  delivers after each crawl and every `deliver_every`, retrying failed
  channels with backoff. Undelivered alerts of a killed daemon go out on restart.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

from crawler.crawl.processes import alive
from crawler.crawl.run import ChildCrawl, CrawlExit
from crawler.daemon.alerts import Channel, channels, deliver_pending
from db.store import Store
from monitor.config import Config
from monitor.site import Site

log = logging.getLogger("rasid.daemon")
JOBS_TABLE = "scheduler_jobs"
_DAEMON: Daemon | None = None  # the running daemon: APScheduler calls jobs by reference, without state


def run_site_job(site_key: str) -> None:
    """The persisted job of a site (referenced as crawler.daemon:run_site_job)."""
    if _DAEMON is not None:
        _DAEMON.crawl_site(site_key)


def deliver_job() -> None:
    if _DAEMON is not None:
        _DAEMON.deliver()


def trigger_for(site: Site):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if site.cron:
        return CronTrigger.from_crontab(site.cron, timezone=site.timezone)
    return IntervalTrigger(seconds=site.revisit_seconds, timezone=UTC)


def _job_store(db_path: Path, read_only: bool = False):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    url = f"sqlite:///file:{db_path}?mode=ro&uri=true" if read_only else f"sqlite:///{db_path}"
    return SQLAlchemyJobStore(url=url, tablename=JOBS_TABLE, engine_options={"connect_args": {"timeout": 30}})


def scheduled_runs(db_path: Path) -> dict[str, datetime | None]:
    """site -> next run of its crawl job in the daemon's schedule (kept in the store, read through
    APScheduler's own job store); None for a paused job. Sites without a job are absent."""
    from apscheduler.schedulers.background import BackgroundScheduler

    with Store(db_path) as store:
        if not store.has_table(JOBS_TABLE):  # no schedule yet; a job store would create its table
            return {}
    jobs = _job_store(db_path, read_only=True)
    jobs.start(BackgroundScheduler(timezone=UTC), "default")  # not started: only the job store is read
    try:
        return {job.id.split(":", 1)[1]: job.next_run_time for job in jobs.get_all_jobs() if job.id.startswith("crawl:")}
    except Exception as exc:  # noqa: BLE001 — a job this Rasid cannot restore (APScheduler would delete it)
        raise ValueError(f"{db_path}: the daemon's schedule ({JOBS_TABLE}) cannot be read: {exc}") from None
    finally:
        jobs.shutdown()


def daemon_status(db_path: Path) -> tuple[dict[str, datetime | None], int | None]:
    """What `rasid status` says of the daemon: each site's next run (scheduled_runs) and the pid of
    the daemon running on the store (None when none runs, -1 when its lock file is unreadable)."""
    return scheduled_runs(db_path), DaemonLock(db_path).holder()


def _first_error(row: dict) -> str | None:
    try:
        lines = json.loads(row.get("error_log") or "[]")
    except ValueError:
        return None
    return str(lines[0]) if lines else None


class DaemonLock:
    """One daemon per store: an exclusive lock on `<store>.daemon.lock`, held for the daemon's
    life and released by the kernel however it ends (even SIGKILL), so a stale file never
    blocks a restart. Two daemons on one store would each deliver the outbox: alerts twice."""

    def __init__(self, db_path: Path):
        self.path = Path(f"{db_path}.daemon.lock")
        self.file = None

    def acquire(self, record_pid: bool = True) -> bool:
        import fcntl

        self.file = self.path.open("a+", encoding="ascii")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.close()
            self.file = None
            return False
        if record_pid:
            self.file.seek(0)
            self.file.truncate()
            self.file.write(f"{os.getpid()}\n")
            self.file.flush()
        return True

    def holder(self) -> int | None:
        """The pid of the daemon holding the lock (-1 if unreadable), or None when no daemon runs."""
        if not self.path.exists():
            return None
        if self.acquire(record_pid=False):
            self.release()
            return None
        try:
            return int(self.path.read_text(encoding="ascii").split()[0])
        except (OSError, ValueError, IndexError):
            return -1

    def release(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class Daemon:
    def __init__(self, config: Config, db_path: Path, config_path: Path | None, log_level: str = "WARNING",
                 redis_url: str | None = None):
        """`redis_url`: cluster mode: a site's turn pushes its round to the workers' frontier."""
        self.config = config
        self.redis_url = redis_url
        self.db_path = db_path.resolve()
        self.config_path = config_path.resolve() if config_path else None
        self.log_level = log_level
        self.sites = [s for s in config.sites.values() if s.enabled]
        self.outlets: list[Channel] = channels(config.alerts)
        self.stopping = threading.Event()
        self.children: dict[str, ChildCrawl] = {}
        self.children_lock = threading.Lock()
        self.deliver_lock = threading.Lock()
        self.scheduler = None

    # --- jobs ------------------------------------------------------------------------

    def crawl_site(self, key: str) -> None:
        if self.stopping.is_set():
            return
        if self.redis_url:
            self.push_round(key)
            return
        started = datetime.now(UTC)
        with Store(self.db_path) as store:
            before = store.last_crawl_id()  # the child's crawl row comes after it
        log.info("crawl of %s starting", key)
        child = ChildCrawl(self.db_path, [key], detached=True, config_path=self.config_path, due_only=True,
                           log_level=self.log_level,
                           sites_file=self.config.sites_file.resolve() if self.config.sites_file else None)
        with self.children_lock:
            self.children[key] = child
        reason, status = None, "failed"
        try:
            code = child.wait(timeout=self.config.crawl_timeout)
            if self.stopping.is_set() and code != CrawlExit.OK:
                # the daemon was asked to stop and stopped this crawl: not a failure of the site
                reason, status = "stopped with the daemon before the crawl finished", "stopped"
            elif code == CrawlExit.BUSY:
                log.warning("crawl of %s skipped: another process is crawling it", key)
            elif code not in (CrawlExit.OK, CrawlExit.INCOMPLETE):  # INCOMPLETE: the crawl recorded its errors
                reason = f"crawl process exited with code {code}"
        except subprocess.TimeoutExpired:
            child.stop()
            reason = f"crawl stopped after the time limit of {self.config.crawl_timeout} s"
        finally:
            with self.children_lock:
                self.children.pop(key, None)
        with Store(self.db_path) as store:
            store.fail_unfinished_crawls(child.pid, reason or "crawl process ended without closing its crawl", status)
            # the log says what the store says: a crawl that closed its row `ok` just before the
            # daemon's stop reached it was done, whatever its exit code
            recorded = [r for r in store.crawl_summary(before) if r["site"] == key]
        seconds = (datetime.now(UTC) - started).total_seconds()
        outcome = recorded[-1] if recorded else None
        if outcome is None:
            pass  # skipped: another process crawls the site (said above)
        elif outcome["status"] == "stopped":
            log.info("crawl of %s stopped with the daemon after %.1f s", key, seconds)
        elif outcome["status"] in ("ok", "partial"):
            log.info("crawl of %s done in %.1f s%s", key, seconds,
                     f" ({outcome['errors']} pages failed)" if outcome["status"] == "partial" else "")
        else:
            log.error("crawl of %s %s after %.1f s: %s", key, outcome["status"], seconds,
                      reason or _first_error(outcome) or "crawl left unfinished")
        self.deliver()

    def push_round(self, key: str) -> None:
        """Cluster mode: the site's discovery and due revisits to the frontier (crawler/cluster/shared.py)."""
        from crawler.cluster import shared

        with Store(self.db_path) as store:
            try:
                jobs = shared.schedule_round(store, shared.connect(self.redis_url), self.config.sites[key],
                                              self.config.revisit_schedule)
                log.info("round of %s pushed to the cluster: %d revisits and its discovery", key, jobs - 1)
            except shared.RoundOpen as exc:
                log.warning("round of %s not pushed: %s", key, exc)
            except shared.ClusterError as exc:
                log.error("round of %s not pushed: %s", key, exc)
        self.deliver()

    def deliver(self) -> None:
        with self.deliver_lock:  # one delivery pass at a time: a channel never gets an alert twice at once
            with Store(self.db_path) as store:
                counts = deliver_pending(store, self.config.alerts, self.config.watch, self.outlets,
                                         stop=self.stopping)
        if counts["sent"] or counts["failed"]:
            log.info("alerts: %(delivered)d delivered to every channel (%(sent)d deliveries), %(failed)d deliveries "
                     "failed (will retry), %(filtered)d alerts filtered out by the watch rules", counts)

    # --- life cycle ------------------------------------------------------------------

    def _scheduler(self):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        return BackgroundScheduler(
            jobstores={"default": _job_store(self.db_path), "memory": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=max(2, len(self.sites) + 1))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def schedule(self) -> list[tuple[str, datetime | None]]:
        """Add, keep or replace each enabled site's job; drop jobs of sites no longer enabled.
        A job whose trigger did not change keeps its next run time: a restart resumes."""
        scheduler = self.scheduler
        wanted = {f"crawl:{site.key}": site for site in self.sites}
        for job in scheduler.get_jobs(jobstore="default"):
            if job.id not in wanted:
                scheduler.remove_job(job.id, jobstore="default")
        for job_id, site in wanted.items():
            trigger = trigger_for(site)
            existing = scheduler.get_job(job_id, jobstore="default")
            if existing is not None and str(existing.trigger) == str(trigger) and existing.args == (site.key,):
                continue
            scheduler.add_job("crawler.daemon:run_site_job", trigger, args=[site.key], id=job_id,
                              name=f"crawl {site.key}", jobstore="default", replace_existing=True,
                              next_run_time=datetime.now(UTC))
        scheduler.add_job(deliver_job, "interval", seconds=self.config.deliver_every, id="deliver",
                          jobstore="memory", replace_existing=True)
        return [(job.id, job.next_run_time) for job in scheduler.get_jobs(jobstore="default")]

    def request_stop(self, signum=None, frame=None) -> None:
        if not self.stopping.is_set():
            log.info("stopping: no new crawls; waiting for running ones to finish")
        self.stopping.set()

    def run(self) -> int:
        global _DAEMON
        _DAEMON = self
        with Store(self.db_path) as store:  # created or migrated before the scheduler touches it
            dead = store.close_dead_crawls(alive)  # crawls that died with an earlier daemon
        if dead:
            log.warning("%d crawl(s) of an earlier run died unfinished; marked failed", dead)
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        self.scheduler = self._scheduler()
        self.scheduler.start(paused=True)
        for job_id, next_run in self.schedule():
            log.info("%s: next run %s", job_id, next_run.isoformat(timespec="seconds") if next_run else "-")
        self.deliver()  # what a previous daemon left in the outbox
        self.scheduler.resume()
        while not self.stopping.wait(0.5):
            pass
        self.scheduler.pause()
        with self.children_lock:
            running = list(self.children.values())
        for child in running:
            child.stop()
        self.scheduler.shutdown(wait=True)
        _DAEMON = None
        log.info("stopped")
        return 0
