"""`rasid writer`: the one process of a Rasid cluster that writes the SQLite store.

It reads the rasid:pages stream as consumer `<host>:<pid>` of the group `writers`, records each
page with monitor.recorder exactly as a local crawl's store pipeline does (pages not newer than the
stored article's last sight add nothing: two workers may fetch an article moments apart), a batch of
pages in one transaction together with the stream mark (the id of the batch's last entry, table
stream_marks), then acknowledges and deletes the batch's entries, adds the stored URLs to the
site's rasid:stored set and counts the pages off their round (crawler.cluster.shared); a round with
nothing left is closed here.

A page a worker dated after the writer's now (a clock running ahead) is stored at the writer's time,
counted and logged: never an article's last sight in the future.

Exactly once, whatever is killed when: a writer killed before its commit leaves the entries
pending, unacknowledged, and the next writer claims them (XAUTOCLAIM) and writes them; killed after
the commit and before the acknowledgement, the entries come back too, and are skipped, their ids
not after the stream mark. So a redelivered page adds no second version and no second alert.

An entry that is not a page (garbage, a page of another Rasid version's format) is moved to the
rasid:pages:dead stream under its own id, with one line naming it, and the writer goes on: claimed
again after a crash, it is not moved twice. Redis lost under the writer: one line, then it waits
for Redis and says when it is back; what it had not acknowledged is claimed again then.

One writer at a time: rasid:writer holds the running writer's name; a writer whose process is gone
(same host, no such pid), or silent past the heartbeat's time to live, is replaced.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from crawler.cluster import shared
from crawler.crawl.processes import alive
from crawler.net.backoff import backoff
from db.store import Store
from extract.instants import fetch_problem
from extract.model import ListingPage
from monitor.config import Config
from monitor.recorder import Recorder

BATCH = 200  # pages a transaction: one commit per page was most of the writer's time
DEAD_KEPT = 10_000  # entries the dead-letter stream keeps (about): enough to look at, bounded


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Writer:
    def __init__(self, config: Config, db_path, redis_url: str, stop: threading.Event | None = None, *,
                 clock: Callable[[], datetime], say: Callable[[str], None] = _stderr,
                 on_step: Callable[[str, Counter[str]], None] | None = None):
        """`clock`: now, as the writer's machine says (a page a worker dates after it is stored at it);
        `say`: where the writer's one-line reports go; `on_step`, if given, is called with the
        writer's counts at each step of a batch: "recorded" after each page is recorded, inside the
        batch's transaction, and "committed" once the batch is committed, before its entries are
        acknowledged."""
        self.config, self.db_path, self.url, self.clock = config, db_path, redis_url, clock
        self.redis = shared.connect(redis_url)
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stop = stop or threading.Event()
        self.say = say  # one line for a person (the journal, under systemd)
        self.counts: Counter[str] = Counter()
        self.started = time.time()
        self._rounds: dict[str, int | None] = {}
        self._sites: set[str] = set()
        self.on_step = on_step

    # --- the lock ------------------------------------------------------------------------

    def acquire(self) -> None:
        """Become the cluster's writer, or raise ClusterError naming the one that runs."""
        if self.redis.set(shared.WRITER, json.dumps({"name": self.name, "at": time.time()}), nx=True,
                          ex=shared.HEARTBEAT_TTL):
            return
        holder = json.loads(self.redis.get(shared.WRITER) or "{}")
        if holder.get("name") == self.name:
            return  # ours still (Redis came back before it expired)
        host, _, pid = (holder.get("name") or "").rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not alive(int(pid)):
            self.redis.set(shared.WRITER, json.dumps({"name": self.name, "at": time.time()}), ex=shared.HEARTBEAT_TTL)
            return  # its process is gone: its pending pages are ours to claim
        raise shared.ClusterError(f"another writer runs ({holder.get('name')}); one writer a store")

    def heartbeat(self) -> None:
        elapsed = max(time.time() - self.started, 1e-9)
        shared.beat(self.redis, shared.WRITER, {"name": self.name, "pages": self.counts["pages"],
                                                  "pages_per_s": self.counts["pages"] / elapsed,
                                                  "db": str(self.db_path), "started": self.started})

    # --- the loop ------------------------------------------------------------------------

    def run(self) -> Counter[str]:
        """Write pages until stopped."""
        import redis

        self.acquire()
        store = Store(self.db_path, self.config.max_store_mb)
        recorder = Recorder(store)
        try:
            self._create_group()
            self.restore_stored_sets(store)
            claim_from: str | None = "0-0"  # first the entries left unacknowledged, then new ones
            while not self.stop.is_set():
                try:
                    claim_from = self._step(store, recorder, claim_from)
                except (redis.ConnectionError, redis.TimeoutError) as exc:
                    if self._wait_for_redis(exc):
                        self.restore_stored_sets(store)  # a Redis restarted empty has lost them
                    claim_from = "0-0"  # what was delivered to this writer and not acknowledged
            return self.counts
        finally:
            store.close()
            try:
                if (self.redis.get(shared.WRITER) or b"").find(self.name.encode()) >= 0:
                    self.redis.delete(shared.WRITER)
            except redis.RedisError:
                pass  # Redis gone: the lock expires with its time to live

    def _create_group(self) -> None:
        import redis

        try:
            self.redis.xgroup_create(shared.PAGES, shared.GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _step(self, store: Store, recorder: Recorder, claim_from: str | None) -> str | None:
        if claim_from is not None:
            claim_from, entries, _ = self.redis.xautoclaim(shared.PAGES, shared.GROUP, self.name,
                                                           min_idle_time=0, start_id=claim_from, count=BATCH)
            claim_from = claim_from.decode() if isinstance(claim_from, bytes) else claim_from
            if claim_from == "0-0":
                claim_from = None
                self._forget_dead_consumers()
        else:
            answer = self.redis.xreadgroup(shared.GROUP, self.name, {shared.PAGES: ">"}, count=BATCH, block=1000)
            entries = answer[0][1] if answer else []
        if entries:
            self.write(store, recorder, entries)
        self.settle_rounds(store)
        self.heartbeat()
        return claim_from

    def _wait_for_redis(self, exc: Exception) -> bool:
        """One line when Redis is lost, one when it is back; in between, tries again with backoff.
        True once it is back, False if the writer was stopped meanwhile."""
        import redis

        lost = time.monotonic()
        where = shared.shown(self.url)
        self.say(f"rasid writer: lost Redis at {where}: {shared.redact(str(exc), self.url)}; waiting for it "
                 "(what is committed stays; the pages not written wait in the stream)")
        tries = 0
        while not self.stop.wait(backoff(tries, 0.5, 10.0)):
            tries += 1
            try:
                self.redis.ping()
                self.acquire()  # the lock may have expired meanwhile
                self._create_group()  # a Redis restarted empty has no stream
            except (redis.ConnectionError, redis.TimeoutError):
                continue
            self.say(f"rasid writer: Redis at {where} is back after {time.monotonic() - lost:.0f} s; writing on")
            return True
        return False

    def _forget_dead_consumers(self) -> None:
        """The group's consumers of earlier writers, their pages claimed: else one stays per restart."""
        for consumer in self.redis.xinfo_consumers(shared.PAGES, shared.GROUP):
            name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
            if name != self.name and not consumer["pending"]:
                self.redis.xgroup_delconsumer(shared.PAGES, shared.GROUP, name)

    def restore_stored_sets(self, store: Store) -> None:
        """Each site's rasid:stored set from the store, where Redis lost it (restarted without its
        append-only file, or a new Redis): else every stored article a feed still links would be
        fetched again as if new."""
        for key in self.config.sites:
            if not self.redis.exists(shared.stored_key(key)):
                urls = sorted(store.stored_urls(key))
                for start in range(0, len(urls), 10_000):
                    self.redis.sadd(shared.stored_key(key), *urls[start:start + 10_000])

    def settle_rounds(self, store: Store) -> None:
        """Close each open round with nothing left in Redis (crawler.cluster.shared.settle_round)."""
        for site in store.sites_in_round():
            if shared.settle_round(store, self.redis, site) == "done":
                self.counts["rounds"] += 1

    def write(self, store: Store, recorder: Recorder, entries: list) -> None:
        mark = store.stream_mark(shared.PAGES)
        after = shared.stream_id_key(mark) if mark else (0, -1)
        ids, pages = [], []
        counted: Counter[str] = Counter()  # per site: entries counted in its round's open work
        for raw_id, fields in entries:
            if not fields:
                continue  # deleted since (XAUTOCLAIM of an entry another writer acknowledged)
            entry_id = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
            ids.append(entry_id)
            if fields.get(b"counted"):
                counted[fields.get(b"site", b"").decode("utf-8", "replace")] += 1
            if shared.stream_id_key(entry_id) <= after:
                self.counts["already written"] += 1  # committed before a crash, delivered again
                continue
            try:
                pages.append(shared.unpack(fields.get(b"page", b"")))
            except shared.UnreadablePage as exc:
                self._dead_letter(entry_id, fields, str(exc))
        for key in {page.site for page in pages} - self._sites:
            site = self.config.sites.get(key)
            if site is not None:
                store.ensure_site(site.key, site.name, site.base_url, site.timezone)
                self._sites.add(key)
        listed = self._listed(pages)
        self._rounds = {}  # a round pushed since the last batch is this batch's
        stored_urls: dict[str, list[str]] = {}
        now = self.clock()
        with store.transaction():
            for page in pages:
                self._clamp(page, now)
                site = self.config.sites.get(page.site)
                crawl_id = self._round(store, page.site)
                if isinstance(page, ListingPage):  # a front page's reading (monitor/frontpage.py)
                    recorder.record_listing_here(page, crawl_id)
                    self.counts["listings"] += 1
                    continue
                # a page the site's first round listed and lost is part of its baseline, not news
                outcome = recorder.record_here(page, crawl_id, judge_pages=bool(site and site.checks_pages),
                                               alerts=(page.site, page.url) not in listed, newer_only=True)
                if crawl_id is not None:
                    store.count_outcome(crawl_id, outcome)
                self.counts["pages"] += 1
                self.counts[outcome] += 1
                if outcome != "missing":  # in the store (or known not to be an article): not to be fetched as new
                    stored_urls.setdefault(page.site, []).append(page.url)
                self._notify("recorded")
            newest = max(ids, key=shared.stream_id_key, default=None)
            if newest is not None and shared.stream_id_key(newest) > after:
                store.set_stream_mark(shared.PAGES, newest)
        if not ids:
            return
        self._notify("committed")
        with self.redis.pipeline() as pipe:  # after the commit: an entry acknowledged is in the store
            pipe.xack(shared.PAGES, shared.GROUP, *ids)
            pipe.xdel(shared.PAGES, *ids)
            for site_key, urls in stored_urls.items():
                pipe.sadd(shared.stored_key(site_key), *urls)
                pipe.srem(shared.listed_key(site_key), *urls)
            for site_key, units in counted.items():
                pipe.hincrby(shared.round_key(site_key), "open", -units)
            pipe.execute()

    def _clamp(self, page, now: datetime) -> None:
        """A page a worker dated after now (its clock runs ahead) is stored at the writer's now: kept
        as an article's last sight, a time in the future would make every later fetch of it "older"
        (newer_only) and drop it."""
        problem = fetch_problem(page.fetched_at, now)
        if problem is None:
            return
        fixed = now.astimezone(UTC).isoformat(timespec="milliseconds")
        self.say(f"rasid writer: {page.url}: fetched at {page.fetched_at} by its worker's clock, {problem}: "
                 f"stored at the writer's time, {fixed}")
        page.fetched_at = fixed
        self.counts["clock ahead" if problem == "after now" else "clock wrong"] += 1

    def _listed(self, pages: list) -> set[tuple[str, str]]:
        """(site, URL) of the pages whose site's first round listed them (rasid:listed)."""
        if not pages:
            return set()
        with self.redis.pipeline(transaction=False) as pipe:
            for page in pages:
                pipe.sismember(shared.listed_key(page.site), page.url)
            answers = pipe.execute()
        return {(page.site, page.url) for page, listed in zip(pages, answers, strict=True)
                if listed and not isinstance(page, ListingPage)}

    def _dead_letter(self, entry_id: str, fields: dict, why: str) -> None:
        """Move an entry that is no page to rasid:pages:dead, under its own id, before the batch is
        committed: after a crash it comes back, and is found there already."""
        import redis

        try:
            self.redis.xadd(shared.DEAD, {**fields, b"error": why}, id=entry_id, maxlen=DEAD_KEPT, approximate=True)
        except redis.ResponseError as exc:
            if "equal or smaller" not in str(exc):
                raise
            if not self.redis.xrange(shared.DEAD, entry_id, entry_id):
                self.redis.xadd(shared.DEAD, {**fields, b"error": why, b"id": entry_id}, maxlen=DEAD_KEPT,
                                approximate=True)
        self.counts["dead"] += 1
        site, worker = (fields.get(key, b"?").decode("utf-8", "replace") for key in (b"site", b"worker"))
        self.say(f"rasid writer: stream entry {entry_id} (site {site}, worker {worker}) is not a page this Rasid "
                 f"reads ({why}); moved to {shared.DEAD}")

    def _round(self, store: Store, site: str) -> int | None:
        """The site's open cluster round (crawls row), looked up once a batch."""
        if site not in self._rounds:
            self._rounds[site] = store.open_round(site)
        return self._rounds[site]

    def _notify(self, step: str) -> None:
        if self.on_step is not None:
            self.on_step(step, self.counts)
