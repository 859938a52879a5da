"""Cluster mode: what the processes of a Rasid cluster share in Redis, and its status.

    daemon / `rasid cluster crawl`  --jobs-->  rasid:jobs:<site>        (a Redis list per site)
    `rasid worker` (any number)     <-------   the jobs; their requests in scrapy-redis's frontier:
                                               rasid:news:<site>:requests (sorted set) and
                                               rasid:news:<site>:dupefilter (set of fingerprints)
    `rasid worker`                  --pages--> rasid:pages               (a stream of extracted pages)
    `rasid writer` (one)            <-------   the stream, as consumer group `writers`; commits each
                                               batch to SQLite, then acknowledges and deletes it;
                                               adds each stored URL to rasid:stored:<site>

A round of a site is one job `discover` (its feeds, sitemaps and listings, fetched whatever the
dupefilter says) and one job `revisit` per stored article due (its validators and body hash):
what a local `rasid crawl --due-only` would request. Workers skip discovered links in
rasid:stored:<site>, and the dupefilter keeps two workers from fetching one URL in a round; it is
emptied when the next round is pushed, so a page lost with a killed worker is found again then.

Heartbeats: each worker refreshes rasid:worker:<name> (its figures, as JSON) every few seconds
with a time to live, so `rasid cluster status` lists the live ones; the writer refreshes
rasid:writer the same way, and holds it while it runs (one writer at a time).
"""

from __future__ import annotations

import json
import pickle
import time
import zlib
from dataclasses import dataclass, field

PAGES = "rasid:pages"  # the stream of extracted pages
GROUP = "writers"  # its consumer group
WRITER = "rasid:writer"  # the writer's lock and heartbeat
WORKERS = "rasid:worker:"  # + name: a worker's heartbeat
HEARTBEAT_TTL = 15  # seconds a heartbeat lives: a process silent longer is taken for dead
# workers wait while the writer has this many pages to write (back-pressure): each entry is a page
# with its HTML, ~15 KB compressed, so Redis holds at most ~30 MB of them
MAX_STREAM = 2_000


def pack(page) -> bytes:
    """A FetchedPage (with its Article and HTML) for the stream: pickled, as scrapy-redis pickles
    requests (Redis is the cluster's own, trusted like its store), and compressed: the HTML is
    most of it and shrinks about sixfold at zlib's fastest level."""
    return zlib.compress(pickle.dumps(page, protocol=5), 1)


def unpack(data: bytes):
    return pickle.loads(zlib.decompress(data))


def jobs_key(site: str) -> str:
    return f"rasid:jobs:{site}"


def stored_key(site: str) -> str:
    return f"rasid:stored:{site}"


def queue_key(site: str) -> str:
    """scrapy-redis's request queue of the site's spider (named news:<site>; see SCHEDULER_QUEUE_KEY)."""
    return f"rasid:news:{site}:requests"


def dupefilter_key(site: str) -> str:
    return f"rasid:news:{site}:dupefilter"


class ClusterError(RuntimeError):
    """Redis cannot be reached, or another writer runs: one line."""


def connect(url: str):
    """A Redis client for `url`, checked with a PING."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=60, health_check_interval=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ClusterError(f"{url}: cannot reach Redis: {exc}") from None
    return client


def push_round(client, site: str, crawl_id: int, revisits: dict[str, dict]) -> int:
    """Push one round of `site`: its discovery, then a revisit per due article. Returns the jobs."""
    jobs = [json.dumps({"kind": "discover", "crawl_id": crawl_id})]
    jobs += [json.dumps({"kind": "revisit", "crawl_id": crawl_id, "url": url, **known}, ensure_ascii=False)
             for url, known in revisits.items()]
    with client.pipeline() as pipe:
        pipe.delete(dupefilter_key(site))  # a new round: what was requested before may be asked again
        for start in range(0, len(jobs), 1000):
            pipe.rpush(jobs_key(site), *jobs[start:start + 1000])
        pipe.execute()
    return len(jobs)


def schedule_round(store, client, site, schedule, due_only: bool = True) -> int:
    """A round of `site` now: its crawls row opened (monitor: the previous one done), the stored
    articles due for a revisit read from the store, the jobs pushed. Returns the jobs pushed."""
    from datetime import UTC, datetime

    from monitor.recorder import revisits

    store.ensure_site(site.key, site.name, site.base_url, site.timezone)
    crawl_id = store.start_round(site.key)
    due, _ = revisits(store, site.key, datetime.now(UTC), schedule, every_step=due_only)
    return push_round(client, site.key, crawl_id, due)


def beat(client, key: str, figures: dict, ttl: int = HEARTBEAT_TTL) -> None:
    client.set(key, json.dumps({**figures, "at": time.time()}), ex=ttl)


def stream_id_key(entry_id: str) -> tuple[int, int]:
    """A stream entry id (milliseconds-sequence) as a sortable pair."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class Status:
    sites: list[dict] = field(default_factory=list)  # per site: jobs, queued requests, stored URLs
    stream: int = 0  # pages waiting for the writer
    pending: int = 0  # delivered to a writer, not yet acknowledged
    oldest_ms: float | None = None  # age of the oldest page not yet written
    workers: list[dict] = field(default_factory=list)
    writer: dict | None = None


def status(client, sites: list[str]) -> Status:
    import redis

    report = Status()
    for site in sites:
        report.sites.append({"site": site, "jobs": client.llen(jobs_key(site)), "queued": client.zcard(queue_key(site)),
                             "stored": client.scard(stored_key(site))})
    report.stream = client.xlen(PAGES)
    try:
        report.pending = client.xpending(PAGES, GROUP)["pending"]
    except redis.ResponseError:  # no writer has created the group yet
        report.pending = 0
    first = client.xrange(PAGES, count=1)
    if first:
        report.oldest_ms = max(0.0, time.time() * 1000 - stream_id_key(first[0][0].decode())[0])
    for key in sorted(client.scan_iter(match=WORKERS + "*")):
        value = client.get(key)
        if value:
            report.workers.append({"name": key.decode()[len(WORKERS):], **json.loads(value)})
    writer = client.get(WRITER)
    report.writer = json.loads(writer) if writer else None
    return report
