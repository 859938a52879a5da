"""`rasid writer`: the one process of a Rasid cluster that writes the SQLite store.

It reads the rasid:pages stream as consumer `<host>:<pid>` of the group `writers`, records each
page with monitor.recorder exactly as a local crawl's store pipeline does (pages not newer than the
stored article's last sight add nothing: two workers may fetch an article moments apart), a batch of
pages in one transaction together with the stream mark (the id of the batch's last entry, table
stream_marks), then acknowledges and deletes the batch's entries and adds the stored URLs to the
site's rasid:stored set.

A page a worker dated after the writer's now (a clock running ahead) is stored at the writer's time,
counted and logged: never an article's last sight in the future.

Exactly once, whatever is killed when: a writer killed before its commit leaves the entries
pending, unacknowledged, and the next writer claims them (XAUTOCLAIM) and writes them; killed after
the commit and before the acknowledgement, the entries come back too, and are skipped, their ids
not after the stream mark. So a redelivered page adds no second version and no second alert.

One writer at a time: rasid:writer holds the running writer's name; a writer whose process is gone
(same host, no such pid), or silent past the heartbeat's time to live, is replaced.

RASID_WRITER_STOP=in-batch:N or after-commit:N (environment) is a test hook: the writer stops itself
(SIGSTOP) once its N-th page is recorded, inside that batch's transaction (uncommitted), or after the
batch is committed and before it is acknowledged, so a test can SIGKILL it at the point it chose.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from crawler import cluster
from crawler.processes import alive
from db.store import Store
from extract.instants import fetch_problem
from monitor.config import Config
from monitor.recorder import Recorder

log = logging.getLogger("rasid.writer")
BATCH = 200  # pages a transaction: one commit per page was most of the writer's time
_STOP_AT, _, _STOP_AFTER = (os.environ.get("RASID_WRITER_STOP") or ":0").partition(":")


class Writer:
    def __init__(self, config: Config, db_path, redis_url: str, stop: threading.Event | None = None, *,
                 clock: Callable[[], datetime]):
        """`clock`: now, as the writer's machine says (a page a worker dates after it is stored at it)."""
        self.config, self.db_path, self.clock = config, db_path, clock
        self.redis = cluster.connect(redis_url)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stop = stop or threading.Event()
        self.counts: Counter[str] = Counter()
        self.started = time.time()
        self._rounds: dict[str, int | None] = {}
        self._sites: set[str] = set()
        self._stopped = False  # the test hook fires once

    # --- the lock ------------------------------------------------------------------------

    def acquire(self) -> None:
        """Become the cluster's writer, or raise ClusterError naming the one that runs."""
        if self.redis.set(cluster.WRITER, json.dumps({"name": self.name, "at": time.time()}), nx=True,
                          ex=cluster.HEARTBEAT_TTL):
            return
        holder = json.loads(self.redis.get(cluster.WRITER) or "{}")
        host, _, pid = (holder.get("name") or "").rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not alive(int(pid)):
            self.redis.set(cluster.WRITER, json.dumps({"name": self.name, "at": time.time()}), ex=cluster.HEARTBEAT_TTL)
            return  # its process is gone: its pending pages are ours to claim
        raise cluster.ClusterError(f"another writer runs ({holder.get('name')}); one writer a store")

    def heartbeat(self) -> None:
        elapsed = max(time.time() - self.started, 1e-9)
        cluster.beat(self.redis, cluster.WRITER, {"name": self.name, "pages": self.counts["pages"],
                                                  "pages_per_s": self.counts["pages"] / elapsed,
                                                  "db": str(self.db_path), "started": self.started})

    # --- the loop ------------------------------------------------------------------------

    def run(self) -> Counter[str]:
        """Write pages until stopped."""
        import redis

        self.acquire()
        try:
            self.redis.xgroup_create(cluster.PAGES, cluster.GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        store = Store(self.db_path, self.config.max_store_mb)
        recorder = Recorder(store)
        try:
            self.restore_stored_sets(store)
            claim_from = "0-0"  # first the entries a dead writer left unacknowledged, then new ones
            while not self.stop.is_set():
                if claim_from is not None:
                    claim_from, entries, _ = self.redis.xautoclaim(cluster.PAGES, cluster.GROUP, self.name,
                                                                   min_idle_time=0, start_id=claim_from, count=BATCH)
                    claim_from = claim_from.decode() if isinstance(claim_from, bytes) else claim_from
                    if claim_from == "0-0":
                        claim_from = None
                        self._forget_dead_consumers()
                else:
                    answer = self.redis.xreadgroup(cluster.GROUP, self.name, {cluster.PAGES: ">"}, count=BATCH,
                                                   block=1000)
                    entries = answer[0][1] if answer else []
                if entries:
                    self.write(store, recorder, entries)
                self.heartbeat()
            return self.counts
        finally:
            store.close()
            if (self.redis.get(cluster.WRITER) or b"").find(self.name.encode()) >= 0:
                self.redis.delete(cluster.WRITER)

    def _forget_dead_consumers(self) -> None:
        """The group's consumers of earlier writers, their pages claimed: else one stays per restart."""
        for consumer in self.redis.xinfo_consumers(cluster.PAGES, cluster.GROUP):
            name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
            if name != self.name and not consumer["pending"]:
                self.redis.xgroup_delconsumer(cluster.PAGES, cluster.GROUP, name)

    def restore_stored_sets(self, store: Store) -> None:
        """Each site's rasid:stored set from the store, where Redis lost it (restarted without its
        append-only file, or a new Redis): else every stored article a feed still links would be
        fetched again as if new."""
        for key in self.config.sites:
            if not self.redis.exists(cluster.stored_key(key)):
                urls = sorted(store.stored_urls(key))
                for start in range(0, len(urls), 10_000):
                    self.redis.sadd(cluster.stored_key(key), *urls[start:start + 10_000])

    def write(self, store: Store, recorder: Recorder, entries: list) -> None:
        mark = store.stream_mark(cluster.PAGES)
        after = cluster.stream_id_key(mark) if mark else (0, -1)
        ids, pages = [], []
        for raw_id, fields in entries:
            if not fields:
                continue  # deleted since (XAUTOCLAIM of an entry another writer acknowledged)
            entry_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
            ids.append(entry_id)
            if cluster.stream_id_key(entry_id) <= after:
                self.counts["already written"] += 1  # committed before a crash, delivered again
            else:
                pages.append(cluster.unpack(fields[b"page"]))
        for key in {page.site for page in pages} - self._sites:
            site = self.config.sites.get(key)
            if site is not None:
                store.ensure_site(site.key, site.name, site.base_url, site.timezone)
                self._sites.add(key)
        self._rounds = {}  # a round pushed since the last batch is this batch's
        stored_urls: dict[str, list[str]] = {}
        now = self.clock()
        with store.transaction():
            for page in pages:
                self._clamp(page, now)
                site = self.config.sites.get(page.site)
                crawl_id = self._round(store, page.site)
                outcome = recorder.record_here(page, crawl_id, judge_pages=bool(site and site.checks_pages),
                                               newer_only=True)
                if crawl_id is not None:
                    store.count_outcome(crawl_id, outcome)
                self.counts["pages"] += 1
                self.counts[outcome] += 1
                if outcome != "missing":  # in the store (or known not to be an article): not to be fetched as new
                    stored_urls.setdefault(page.site, []).append(page.url)
                self._hook("in-batch")
            newest = max(ids, key=cluster.stream_id_key, default=None)
            if newest is not None and cluster.stream_id_key(newest) > after:
                store.set_stream_mark(cluster.PAGES, newest)
        if not ids:
            return
        self._hook("after-commit")
        with self.redis.pipeline() as pipe:  # after the commit: an entry acknowledged is in the store
            pipe.xack(cluster.PAGES, cluster.GROUP, *ids)
            pipe.xdel(cluster.PAGES, *ids)
            for site_key, urls in stored_urls.items():
                pipe.sadd(cluster.stored_key(site_key), *urls)
            pipe.execute()

    def _clamp(self, page, now: datetime) -> None:
        """A page a worker dated after now (its clock runs ahead) is stored at the writer's now: kept
        as an article's last sight, a time in the future would make every later fetch of it "older"
        (newer_only) and drop it."""
        problem = fetch_problem(page.fetched_at, now)
        if problem is None:
            return
        fixed = now.astimezone(UTC).isoformat(timespec="milliseconds")
        log.warning("%s: fetched at %s by its worker's clock, %s: stored at the writer's time, %s",
                    page.url, page.fetched_at, problem, fixed)
        page.fetched_at = fixed
        self.counts["clock ahead" if problem == "after now" else "clock wrong"] += 1

    def _round(self, store: Store, site: str) -> int | None:
        """The site's open cluster round (crawls row), looked up once a batch."""
        if site not in self._rounds:
            self._rounds[site] = store.open_round(site)
        return self._rounds[site]

    def _hook(self, point: str) -> None:
        if point == _STOP_AT and self.counts["pages"] >= int(_STOP_AFTER) and not self._stopped:
            self._stopped = True
            os.kill(os.getpid(), signal.SIGSTOP)
