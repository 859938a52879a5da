"""Cluster mode: what the processes of a Rasid cluster share in Redis, and its status.

    daemon / `rasid cluster crawl`  --jobs-->  rasid:jobs:<site>        (a Redis list per site)
    `rasid worker` (any number)     <-------   the jobs; their requests in the frontier:
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
emptied when the next round is pushed.

Leases. A job or a request a worker takes is not removed: it moves, in one script, from the shared
list or queue into the worker's lease (rasid:jobs:<site>:leased:<worker>, a list, and
rasid:news:<site>:leased:<worker>, a sorted set), and leaves it only when the worker is done with it
(a job once its requests are queued; a request once Scrapy's engine has handled its answer: the
requests it led to queued, its page in the stream). A lease lasts as long as its worker's heartbeat:
any worker finding the heartbeat of a holder gone (rasid:holders names who holds what) moves that
holder's leases back to the list and the queue, where another worker takes them. Why this and not a
stream consumer group for the frontier: scrapy-redis's queue is a sorted set (a request's priority
orders feeds and sitemaps before articles, which a stream cannot), and a lease tied to the
heartbeat never expires under a worker that is alive but slow (waiting on the writer's
back-pressure, or retrying with backoff), which an idle-time claim (XAUTOCLAIM) would take from it
and fetch twice. A worker killed at any moment costs the requests it held a heartbeat's time to
live (15 s), never the requests.

Rounds. rasid:round:<site> holds the open round's crawls row id (`crawl`) and its open work
(`open`): jobs waiting or leased, requests queued or leased, pages in the stream not yet written.
Each change of state moves one unit in the same script or transaction that changes the state (a
request queued +1, a page added +1, a job, a request or a page done -1), and a unit is handed on
(its requests queued, its page added) before it is done, so `open` is 0 only when nothing of the
round is left anywhere. The writer then closes the round (`ok`, a baseline); the next round is
pushed only after that. A round whose state Redis lost (restarted without its append-only file) is
closed as failed, and is no baseline.

The first round of a site (no baseline yet) records each article URL it lists and does not find
stored in rasid:listed:<site>: a page listed there that the round lost (its fetch failed, or its
stream entry could not be read) is stored without a `new` alert by the round that finds it again:
it was part of the site before Rasid first saw it whole. After a baseline, a page that a round
lists and loses is new when the next round stores it, as it would have been in its own round.

Heartbeats: each worker refreshes rasid:worker:<name> (its figures, as JSON) every few seconds
with a time to live, so `rasid cluster status` lists the live ones; the writer refreshes
rasid:writer the same way, and holds it while it runs (one writer at a time).
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from crawler.net.redact import redact as scrub

PAGES = "rasid:pages"  # the stream of extracted pages
DEAD = "rasid:pages:dead"  # stream entries the writer could not read, kept for a person to look at
GROUP = "writers"  # its consumer group
WRITER = "rasid:writer"  # the writer's lock and heartbeat
WORKERS = "rasid:worker:"  # + name: a worker's heartbeat
HOLDERS = "rasid:holders"  # "<site> <worker>" for every worker that may hold leases of the site
HEARTBEAT_TTL = 15  # seconds a heartbeat lives: a process silent longer is taken for dead
# workers wait while the writer has this many pages to write (back-pressure): each entry is a page
# with its HTML, ~15 KB compressed, so Redis holds at most ~30 MB of them
MAX_STREAM = 2_000
PAGE_FORMAT = 1  # the stream's page format: a writer refuses (dead-letters) any other

MAX_PAGE_BYTES = 64 * 1024 * 1024  # a page inflated from the stream: 10 MB of HTML and its text fit well


class ClusterError(RuntimeError):
    """Redis cannot be reached, or another writer runs: one line."""


def require(*modules: str) -> None:
    """Cluster mode's libraries are the `cluster` extra, which a plain install leaves out: a
    cluster command or a daemon in cluster mode without them is one line saying how to add them."""
    from importlib.util import find_spec

    for module in modules or ("redis",):  # found, not imported: scrapy_redis imports Scrapy, which a
        if find_spec(module) is None:      # worker imports only after forking its extraction pool
            raise ClusterError(f"cluster mode needs Rasid's cluster extra ({module} is not installed): "
                               "make setup-cluster in Rasid's checkout (pip install -e '.[cluster]')")


class RoundOpen(ClusterError):
    """The site's round is not done yet: the next one is not pushed over it."""


class UnreadablePage(ValueError):
    """A stream entry that is not a page this Rasid wrote: garbage, or another version's format."""


# --- the page on the stream ------------------------------------------------------------------
# Plain JSON of the FetchedPage's fields, compressed: a format that carries data and never code
# (a pickle from the stream ran whatever anyone who could write to Redis put there).


def pack(page) -> bytes:
    """A FetchedPage (with its Article and HTML) for the stream, or a ListingPage (with its
    placements): its fields as JSON, compressed (the HTML is most of it and shrinks about sixfold at
    zlib's fastest level)."""
    from extract.model import FetchedPage, ListingPage

    if isinstance(page, ListingPage):
        data = {f.name: getattr(page, f.name) for f in _sent(ListingPage)}
        placements = None if page.placements is None else [
            [p.url, p.teaser, p.position, p.block, p.kind, p.block_position] for p in page.placements]
        document = {"format": PAGE_FORMAT, "listing": {**data, "placements": placements}}
        return zlib.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"), 1)
    data = {f.name: getattr(page, f.name) for f in _sent(FetchedPage)}
    article = page.article
    if article is not None:
        article = {f.name: _date_out(getattr(article, f.name)) if f.metadata.get("date") else getattr(article, f.name)
                   for f in fields(article)}
    document = {"format": PAGE_FORMAT, "page": {**data, "article": article}}
    return zlib.compress(json.dumps(document, ensure_ascii=False).encode("utf-8"), 1)


def unpack(blob: bytes):
    """The FetchedPage or ListingPage `pack` made, or UnreadablePage saying why this is none."""
    from extract.model import Article, FetchedPage

    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(blob, MAX_PAGE_BYTES)
        if inflater.unconsumed_tail:
            raise UnreadablePage(f"inflates past {MAX_PAGE_BYTES // 2**20} MB")
        document = json.loads(raw)
        if not isinstance(document, dict) or document.get("format") != PAGE_FORMAT:
            found = document.get("format") if isinstance(document, dict) else type(document).__name__
            raise UnreadablePage(f"page format {found!r}, this Rasid reads format {PAGE_FORMAT}")
        if "listing" in document:
            return _listing_in(dict(document["listing"]))
        data = dict(document["page"])
        article = data.pop("article")
        if article is not None:
            _check(Article, article)
            dates = {f.name for f in fields(Article) if f.metadata.get("date")}
            article = Article(**{name: _date_in(value) if name in dates else value for name, value in article.items()})
        _check(FetchedPage, data)
        return FetchedPage(**data, article=article)
    except UnreadablePage:
        raise
    except (zlib.error, ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
        raise UnreadablePage(f"{type(exc).__name__}: {exc}") from None


def _sent(cls) -> list:
    """The fields of `cls` a page carries on the stream as they are: not its Article or a listing's
    placements (each sent its own way), nor what a worker made for its own store (`local`: the
    writer makes it)."""
    return [f for f in fields(cls) if f.name not in ("article", "placements") and not f.metadata.get("local")]


_TYPES = {"str": str, "int": int, "bool": bool, "None": type(None), "list[str]": list, "ParsedDate": object}
_PLACEMENT = (str, str, int, str, str, int)  # a Placement's fields in order, as pack writes them


def _listing_in(data: dict):
    from extract.model import BLOCK_KINDS, ListingPage, Placement

    placements = data.pop("placements")
    _check(ListingPage, data)
    if placements is not None:
        if not isinstance(placements, list) or not all(
                isinstance(p, list) and len(p) == len(_PLACEMENT) and p[4] in BLOCK_KINDS
                and all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(p, _PLACEMENT, strict=True))
                for p in placements):
            raise UnreadablePage("ListingPage.placements: not the list of placements this Rasid writes")
        placements = tuple(Placement(*p) for p in placements)
    return ListingPage(**data, placements=placements)


def _check(cls, data: dict) -> None:
    """Every field of `cls` present, each of its declared type: a page that would fail later, inside
    the writer's transaction, is refused here instead."""
    declared = {f.name: f.type for f in _sent(cls)}
    if set(data) != set(declared):
        odd = sorted(set(data) ^ set(declared))
        raise UnreadablePage(f"{cls.__name__} fields differ from this Rasid's: {', '.join(odd)}")
    for name, value in data.items():
        kinds = tuple(_TYPES[part.strip()] for part in declared[name].split("|"))
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise UnreadablePage(f"{cls.__name__}.{name}: {type(value).__name__}, expected {declared[name]}")


def _date_out(value) -> dict | None:
    """A ParsedDate as JSON: the instant with its offset, its zone's name when it has one (or that
    the zone was assumed), or the calendar day for dates without a time."""
    from extract.dates import ASSUMED_UTC

    if value is None:
        return None
    out = {"precision": value.precision, "calendar": value.calendar, "relative": value.relative}
    if isinstance(value.value, datetime):
        out["at"] = value.value.isoformat()
        zone = value.value.tzinfo
        if zone is ASSUMED_UTC:
            out["zone"] = "assumed"
        elif isinstance(zone, ZoneInfo):
            out["zone"] = zone.key
    else:
        out["day"] = value.value.isoformat()
    return out


def _date_in(data: dict | None):
    from extract.dates import ASSUMED_UTC, ParsedDate

    if data is None:
        return None
    if "day" in data:
        value = date.fromisoformat(data["day"])
    else:
        value = datetime.fromisoformat(data["at"])
        zone = data.get("zone")
        if zone == "assumed":
            value = value.replace(tzinfo=ASSUMED_UTC)
        elif zone:
            value = value.astimezone(ZoneInfo(zone))
    return ParsedDate(value, data["precision"], data["calendar"], bool(data.get("relative")))


# --- keys -----------------------------------------------------------------------------------


def _site_key(template: str):
    """The function naming a key of a site's state (and of a worker's lease of it) in Redis."""
    return lambda site, worker="": template.format(site=site, worker=worker)


jobs_key = _site_key("rasid:jobs:{site}")
job_lease_key = _site_key("rasid:jobs:{site}:leased:{worker}")
stored_key = _site_key("rasid:stored:{site}")
# scrapy-redis's request queue and duplicate filter of the site's spider (named news:<site>; see
# SCHEDULER_QUEUE_KEY and SCHEDULER_DUPEFILTER_KEY in worker.settings)
queue_key = _site_key("rasid:news:{site}:requests")
request_lease_key = _site_key("rasid:news:{site}:leased:{worker}")
dupefilter_key = _site_key("rasid:news:{site}:dupefilter")
round_key = _site_key("rasid:round:{site}")
listed_key = _site_key("rasid:listed:{site}")


# --- the password ---------------------------------------------------------------------------


def shown(url: str) -> str:
    """The Redis URL as printed (logs go to the journal): its password, if any, as ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    where = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{where}"))


def _password(url: str) -> set[str]:
    from urllib.parse import parse_qs, unquote

    parts = urlsplit(url)
    secrets = {parts.password, unquote(parts.password)} if parts.password else set()
    return secrets | set(parse_qs(parts.query).get("password", []))


def redact(text: str, url: str) -> str:
    """`text` (an error, a log line) without the Redis URL's password."""
    return scrub(text, [url], shown=shown, secrets=_password)


def connect(url: str):
    """A Redis client for `url`, checked with a PING."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=60, health_check_interval=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ClusterError(f"{shown(url)}: cannot reach Redis: {redact(str(exc), url)}") from None
    return client


# --- leases (see the module's doc) -------------------------------------------------------------
# Lua scripts: each change of a job's or a request's state and the round's count in one step, so
# that no kill between two commands can lose a unit or count it twice.

_TAKE_JOBS = """
local jobs = redis.call('LPOP', KEYS[1], ARGV[1])
if not jobs then return {} end
redis.call('RPUSH', KEYS[2], unpack(jobs))
redis.call('SADD', KEYS[3], ARGV[2])
return jobs
"""
_JOB_DONE = """
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], 'open', -1) end
"""
_QUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'open', 1)
return 1
"""
_LEASE = """
local taken = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #taken == 0 then return false end
redis.call('ZREM', KEYS[1], taken[1])
redis.call('ZADD', KEYS[2], taken[2], taken[1])
redis.call('SADD', KEYS[3], ARGV[1])
return taken[1]
"""
_REQUEST_DONE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[2], 'open', -1) end
"""
_RECLAIM = """
if ARGV[2] == '0' and redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local jobs = redis.call('LRANGE', KEYS[2], 0, -1)
if #jobs > 0 then redis.call('LPUSH', KEYS[3], unpack(jobs)) end
local requests = redis.call('ZCARD', KEYS[4])
if requests > 0 then redis.call('ZUNIONSTORE', KEYS[5], 2, KEYS[5], KEYS[4], 'AGGREGATE', 'MIN') end
redis.call('DEL', KEYS[2], KEYS[4])
redis.call('SREM', KEYS[6], ARGV[1])
return #jobs + requests
"""
_FRESH_LINKS = """
local listing = redis.call('HGET', KEYS[2], 'listing') == '1'
local fresh = {}
for i, url in ipairs(ARGV) do
  if redis.call('SISMEMBER', KEYS[1], url) == 0 then
    fresh[#fresh + 1] = url
    if listing then redis.call('SADD', KEYS[3], url) end
  end
end
return fresh
"""


class Leases:
    """One worker's side of the leases of one site (scripts in the module's doc)."""

    def __init__(self, client, site: str, worker: str):
        self.client, self.site, self.worker = client, site, worker
        self.holder = f"{site} {worker}"
        self._take_jobs = client.register_script(_TAKE_JOBS)
        self._job_done = client.register_script(_JOB_DONE)
        self._queue = client.register_script(_QUEUE)
        self._lease = client.register_script(_LEASE)
        self._request_done = client.register_script(_REQUEST_DONE)
        self._fresh = client.register_script(_FRESH_LINKS)

    def take_jobs(self, count: int) -> list[bytes]:
        return self._take_jobs(keys=[jobs_key(self.site), job_lease_key(self.site, self.worker), HOLDERS],
                               args=[count, self.holder])

    def job_done(self, job: bytes) -> None:
        self._job_done(keys=[job_lease_key(self.site, self.worker), round_key(self.site)], args=[job])

    def queue(self, data: bytes, score: float, fingerprint: str | None) -> bool:
        """Queue a request (`data`), unless its fingerprint was queued before in this round."""
        return bool(self._queue(keys=[queue_key(self.site), dupefilter_key(self.site), round_key(self.site)],
                                args=[fingerprint or "", score, data]))

    def lease(self) -> bytes | None:
        return self._lease(keys=[queue_key(self.site), request_lease_key(self.site, self.worker), HOLDERS],
                           args=[self.holder])

    def request_done(self, data: bytes) -> None:
        self._request_done(keys=[request_lease_key(self.site, self.worker), round_key(self.site)], args=[data])

    def fresh_links(self, urls: list[str]) -> list[str]:
        """The URLs not stored yet; the first round of a site records them as listed (rasid:listed)."""
        answer = self._fresh(keys=[stored_key(self.site), round_key(self.site), listed_key(self.site)], args=urls)
        return [url.decode() if isinstance(url, bytes) else url for url in answer]


def reclaim(client, only: str | None = None) -> int:
    """Move the leases of every holder whose heartbeat is gone back to the lists and queues they came
    from (or those of the worker `only`, alive or not: a worker stopping hands its leases back).
    Returns the jobs and requests moved."""
    holders = [raw.decode().partition(" ") for raw in client.smembers(HOLDERS)]
    if only is None:
        names = sorted({worker for _, _, worker in holders})
        with client.pipeline(transaction=False) as pipe:
            for worker in names:
                pipe.exists(WORKERS + worker)
            gone = {worker for worker, alive in zip(names, pipe.execute(), strict=True) if not alive}
    else:
        gone = {only}
    script = client.register_script(_RECLAIM)
    moved = 0
    for site, _, worker in holders:
        if worker in gone:  # the script looks at the heartbeat again: it may have come back since
            moved += max(0, script(keys=[WORKERS + worker, job_lease_key(site, worker), jobs_key(site),
                                         request_lease_key(site, worker), queue_key(site), HOLDERS],
                                   args=[f"{site} {worker}", "1" if only else "0"]))
    return moved


# --- rounds -----------------------------------------------------------------------------------


def push_round(client, site: str, crawl_id: int, revisits: dict[str, dict], listing: bool = False) -> int:
    """Push one round of `site`: its discovery, then a revisit per due article. Returns the jobs.
    `listing`: the site has no baseline yet, so the URLs this round lists are recorded."""
    jobs = [json.dumps({"kind": "discover", "crawl_id": crawl_id})]
    jobs += [json.dumps({"kind": "revisit", "crawl_id": crawl_id, "url": url, **known}, ensure_ascii=False)
             for url, known in revisits.items()]
    with client.pipeline() as pipe:  # MULTI: the jobs and their count, or neither
        pipe.delete(dupefilter_key(site))  # a new round: what was requested before may be asked again
        # set, not added to: the last round's count is 0 (it was closed), or was lost with it
        pipe.hset(round_key(site), mapping={"crawl": crawl_id, "listing": int(listing), "open": len(jobs)})
        for start in range(0, len(jobs), 1000):
            pipe.rpush(jobs_key(site), *jobs[start:start + 1000])
        pipe.execute()
    return len(jobs)


def round_state(client, site: str) -> tuple[int | None, int]:
    """(the crawls row id of the site's round in Redis, its open work)."""
    state = client.hgetall(round_key(site))
    crawl = state.get(b"crawl")
    return (int(crawl) if crawl else None), int(state.get(b"open") or 0)


def settle_round(store, client, site: str, lost_too: bool = False) -> str | None:
    """Close the site's open round in the store if it is done: `ok` when nothing of it is left in
    Redis. `lost_too`: also close it as failed if Redis no longer knows it (the one pushing rounds
    asks; the writer may see a round between its row and its push). Returns `done`, `lost`, `open`
    or None (no round open)."""
    crawl_id = store.open_round(site)
    if crawl_id is None:
        return None
    crawl, left = round_state(client, site)
    if crawl == crawl_id and left <= 0:
        store.finish_round(crawl_id, "ok")
        return "done"
    if crawl != crawl_id and lost_too:
        store.finish_round(crawl_id, "failed", f"round {crawl_id}: its jobs and requests were lost with Redis's "
                                               "state (restarted without its append-only file?)")
        return "lost"
    return "open"


def schedule_round(store, client, site, schedule, due_only: bool = True) -> int:
    """A round of `site` now: the previous one closed (done, or lost with Redis), its crawls row
    opened, the stored articles due for a revisit read from the store, the jobs pushed. Returns the
    jobs pushed; raises RoundOpen while the previous round still has work left."""
    from datetime import UTC, datetime

    from monitor.schedule import revisits

    store.ensure_site(site.key, site.name, site.base_url, site.timezone)
    if settle_round(store, client, site.key, lost_too=True) == "open":
        crawl, left = round_state(client, site.key)
        raise RoundOpen(f"{site.key}: round {crawl} is not done ({left:,} jobs, requests and pages left); "
                        "the next is pushed once it is")
    listing = not store.has_baseline(site.key)
    crawl_id = store.start_round(site.key)
    due, _ = revisits(store, site.key, datetime.now(UTC), schedule, every_step=due_only)
    return push_round(client, site.key, crawl_id, due, listing=listing)


def beat(client, key: str, figures: dict, ttl: int = HEARTBEAT_TTL) -> None:
    client.set(key, json.dumps({**figures, "at": time.time()}), ex=ttl)


def stream_id_key(entry_id: str) -> tuple[int, int]:
    """A stream entry id (milliseconds-sequence) as a sortable pair."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class Status:
    sites: list[dict] = field(default_factory=list)  # per site: jobs, queued and leased requests, stored URLs
    stream: int = 0  # pages waiting for the writer
    pending: int = 0  # delivered to a writer, not yet acknowledged
    dead: int = 0  # entries the writer could not read (rasid:pages:dead)
    oldest_ms: float | None = None  # age of the oldest page not yet written
    workers: list[dict] = field(default_factory=list)
    writer: dict | None = None


def status(client, sites: list[str]) -> Status:
    import redis

    report = Status()
    leased: dict[str, int] = {}
    for raw in client.smembers(HOLDERS):
        site, _, worker = raw.decode().partition(" ")
        leased[site] = leased.get(site, 0) + client.llen(job_lease_key(site, worker)) + \
            client.zcard(request_lease_key(site, worker))
    for site in sites:
        crawl, left = round_state(client, site)
        report.sites.append({"site": site, "jobs": client.llen(jobs_key(site)), "queued": client.zcard(queue_key(site)),
                             "leased": leased.get(site, 0), "round": f"{crawl}: {left:,} open" if crawl else "none",
                             "stored": client.scard(stored_key(site))})
    report.stream = client.xlen(PAGES)
    report.dead = client.xlen(DEAD)
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
