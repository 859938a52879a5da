"""The SQLite store, built on sqlite-utils.

Tables
- sites:     one row per monitored site
- articles:  one row per canonical article URL, with its latest content
- versions:  every distinct content an article has had, with fetch time and
             the raw HTML (zlib-compressed) so extraction can be re-run
- crawls:    one row per crawl of a site: start, end, counts, errors
- alerts:    new / changed / removed / restored, with a word diff for edits
- deliveries: the outbox's per-channel state: attempts, next attempt,
             delivered_at, last error (secrets redacted). An alert row with
             delivered_at NULL is undelivered; it is written in the same
             transaction as the change it reports.
- articles_search (+ its FTS5 index articles_search_fts): each article's
             title and text folded for search (extract.arabic.search_text),
             rowid = article id, rewritten in the same transaction as the article
- listings, placements, front_links: each listing page (a home page) with what
             its last fetch answered, and each article's place on it from the
             reading it appeared in to the one it moved or left in (only
             changes are rows: monitor/frontpage.py), in the reading's transaction

Every fetched page is recorded in one transaction (article, version, alert
together), so a crawl killed at any moment leaves whole articles or none.
WAL mode lets Datasette and other readers read while a crawl writes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import sqlite_utils

from db import migrations
from extract.arabic import search_query, search_text
from extract.model import Article, FetchedPage, ListingPage, Prepared


class Decision(Protocol):
    """What the store needs of a decision about a fetch (monitor.changes.Change): it persists the
    monitor's decisions and makes none."""

    alert: str | None
    diff: str | None
    new_version: bool
    removed: bool
    moved: tuple[str, ...]  # the metadata lines that moved (kept with the version and the alert)
    keep_published: bool  # the stored publication time stays as it is


class FrontDecision(Protocol):
    """What the store needs of a front page's change (monitor.frontpage.FrontChange)."""

    openings: tuple
    closings: tuple
    alerts: tuple


class StoreError(RuntimeError):
    """The store cannot be opened or written: one readable line."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# zlib level of the HTML versions keep: level 6 took 2.4-4.7 ms a page, level 1 0.7-1.0 ms, for
# 5-10 % more bytes (BENCHMARKS.md, the crawl); any level reads back alike
HTML_LEVEL = 1


def prepare(html: str | None, article: Article) -> Prepared:
    """What the store writes of a page besides its fields (extract.model.Prepared): made in the
    extraction worker during a crawl or an import, else by the store itself."""
    return Prepared(zlib.compress(html.encode("utf-8"), HTML_LEVEL) if html else None,
                    search_text(article.title or ""), search_text(article.text or ""), article.content_hash)


def _prepared(page: FetchedPage) -> Prepared:
    """The page's Prepared, made now if it came without one (or with one of another text)."""
    ready = page.prepared
    if ready is None or ready.content_hash != page.article.content_hash:
        ready = page.prepared = prepare(page.html, page.article)
    return ready


_STORED = [f for f in fields(Article) if f.metadata.get("stored", True)]  # read once: fields() is slow


def article_columns(article: Article) -> dict:
    """The articles columns of an Article: every field it stores, dates as `<name>_at` and
    `<name>_precision`, tags as a JSON list, and the content hash."""
    row = {}
    for f in _STORED:
        value = getattr(article, f.name)
        if f.metadata.get("date"):
            row[f"{f.name}_at"], row[f"{f.name}_precision"] = (value.iso, value.precision) if value else (None, None)
        elif isinstance(value, list):
            row[f.name] = json.dumps(value, ensure_ascii=False)
        else:
            row[f.name] = value
    row["content_hash"] = article.content_hash
    return row


def _since_and_site(since: str | None, site: str | None, alias: str, site_clause: str | None = None
                    ) -> tuple[list[str], dict]:
    """WHERE clauses and parameters of the --since and --site options listings take: `since` on the
    publication time of table `alias` (first sight when unknown), `site` its site (or `site_clause`)."""
    where, params = [], {}
    if since:
        where.append(f"coalesce({alias}.published_at, {alias}.first_seen) >= :since")
        params["since"] = since
    if site:
        where.append(site_clause or f"{alias}.site = :site")
        params["site"] = site
    return where, params


# what each version keeps of its page's metadata (besides title and text)
VERSION_METADATA = ("published_at", "published_precision", "author", "section")

# the outcomes a crawls row counts, a column each (a local crawl at its end, a cluster round page by page)
# rows of reprint_bands_recent merged at once into reprint_bands (2,000 articles' keys): a merge in
# key order dirties each page of the big tree about once; the small tree stays in SQLite's cache
RECENT_BANDS = 64_000
CRAWL_OUTCOMES = ("new", "changed", "unchanged", "not_modified", "removed", "restored", "not_article")


class Store:
    """All reads and writes of the SQLite store."""

    def __init__(self, path: str | Path, max_mb: float | None = None):
        """`max_mb` caps the store's size (PRAGMA max_page_count): a write past it fails
        cleanly, as on a full disk, instead of filling the disk."""
        self.path = Path(path)
        self._recent_bands: int | None = None  # rows in reprint_bands_recent, counted once, then kept
        if self.path.exists() and self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a database file")
        if not self.path.parent.exists():
            raise StoreError(f"{self.path}: folder {self.path.parent} does not exist")
        try:
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            self.db = sqlite_utils.Database(conn)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            if max_mb:
                page_size = self.db.execute("PRAGMA page_size").fetchone()[0]
                self.db.execute(f"PRAGMA max_page_count = {max(1, int(max_mb * 2**20 / page_size))}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open store: {exc}") from None

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time, all or nothing."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._recent_bands = None  # counted again from the table: what was added is gone
            if conn.in_transaction:  # SQLite may have rolled back already (a full disk does)
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:  # a full disk can fail the commit itself: leave nothing half-done
                self._recent_bands = None
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # --- schema ------------------------------------------------------------

    def _migrate(self) -> None:
        """Apply the migrations this store lacks (db/migrations.py), under the write lock: two
        processes opening a new store at once do not both create it."""
        with self.transaction():
            newer = migrations.unknown(self.db)
            if newer:
                raise StoreError(f"{self.path}: written by a newer Rasid (schema step {newer[-1]}); "
                                 "upgrade Rasid to open it")
            migrations.migrations.apply(self.db)

    # --- sites and crawls ---------------------------------------------------

    def ensure_site(self, key: str, name: str, base_url: str, timezone: str) -> None:
        with self.transaction():
            existing = self.db["sites"].count_where("key = ?", [key])
            if existing:
                self.db["sites"].update(key, {"name": name, "base_url": base_url, "timezone": timezone})
            else:
                self.db["sites"].insert({"key": key, "name": name, "base_url": base_url, "timezone": timezone})

    def has_baseline(self, site: str) -> bool:
        """True once a crawl of the site has run to its end (ok, or partial: finished with some
        pages failed): before that, articles are the initial import, not news, and raise no
        `new` alert."""
        # a crawl cut by a full store, a stop or a kill has not seen the whole site. Plain SQL: until the
        # first crawl ends it is asked for every page, and sqlite-utils' table reads the schema each time
        return self.db.execute("SELECT 1 FROM crawls WHERE site = ? AND status IN ('ok', 'partial') LIMIT 1",
                               [site]).fetchone() is not None

    def last_crawl_id(self) -> int:
        """Id of the newest crawl row (0 for none): rows after it belong to a later run."""
        return self.db.execute("SELECT coalesce(max(id), 0) FROM crawls").fetchone()[0]

    def start_crawl(self, site: str, alive: Callable[[int], bool]) -> int:
        crawl_id, running = self.claim_crawl(site, alive)
        if crawl_id is None:
            raise StoreError(f"{site}: already being crawled by process {running['pid']} "
                             f"(since {running['started_at']})")
        return crawl_id

    def claim_crawl(self, site: str, alive: Callable[[int], bool]) -> tuple[int | None, dict | None]:
        """Start a crawl of `site` by this process unless a live one (`alive(pid)`) is crawling it
        already, atomically: (the new crawl's id, None), or (None, the running crawl's row). Two
        `rasid crawl` of one site never interleave their writes; crawls of different sites may
        run together."""
        self.close_dead_crawls(alive)
        with self.transaction():
            for row in self.db.query("SELECT id, pid, started_at FROM crawls WHERE site = ? AND finished_at IS NULL "
                                     "AND status != 'cluster'", [site]):
                if row["pid"] != os.getpid() and alive(row["pid"]):
                    return None, row
            crawl_id = self._insert("crawls", {"site": site, "started_at": utc_now(), "status": "running",
                                               "pid": os.getpid()})
            return crawl_id, None

    def close_dead_crawls(self, alive: Callable[[int], bool]) -> int:
        """Mark failed the crawl rows still 'running' whose process is gone (killed with
        SIGKILL, or the machine went down): they will never finish. Returns how many."""
        dead = {row["pid"] for row in self.db["crawls"].rows_where("finished_at IS NULL AND status != 'cluster'",
                                                                   select="pid") if not alive(row["pid"])}
        return sum(self.fail_unfinished_crawls(pid, f"the crawl process (pid {pid}) died before finishing")
                   for pid in dead)

    def finish_crawl(self, crawl_id: int, counts: dict[str, int], errors: list[str], status: str) -> None:
        now = utc_now()
        with self.transaction():
            row = {k: v for k, v in counts.items() if k == "pages" or k in CRAWL_OUTCOMES}
            row.update(finished_at=now, status=status, errors=len(errors),
                       error_log=json.dumps(errors[-50:], ensure_ascii=False) if errors else None)
            self.db["crawls"].update(crawl_id, row)
            site = self.db["crawls"].get(crawl_id)["site"]
            first = self.db["sites"].get(site)["first_crawl_at"]
            self.db["sites"].update(site, {"last_crawl_at": now, "first_crawl_at": first or now})

    # --- cluster mode (crawler/cluster/shared.py, crawler/cluster/writer.py) -----------------------------

    def start_round(self, site: str) -> int:
        """A cluster round of `site` starts (its discovery and revisits pushed to the frontier): a new
        crawls row with status `cluster` counts this round's pages until finish_round. Returns its id."""
        with self.transaction():
            return self._insert("crawls", {"site": site, "started_at": utc_now(), "status": "cluster"})

    def finish_round(self, crawl_id: int, status: str, error: str | None = None) -> None:
        """A cluster round is over: `ok` once nothing of it is left (a site's first such round is its
        baseline, as a crawl is), `failed` if its work was lost. Only an open round is closed."""
        now = utc_now()
        with self.transaction():
            closed = self.db.execute(
                "UPDATE crawls SET finished_at = ?, status = ?, errors = errors + ?, error_log = coalesce(?, error_log) "
                "WHERE id = ? AND status = 'cluster' AND finished_at IS NULL",
                [now, status, int(error is not None), json.dumps([error], ensure_ascii=False) if error else None,
                 crawl_id]).rowcount
            if closed and status == "ok":
                site = self.db["crawls"].get(crawl_id)["site"]
                first = self.db["sites"].get(site)["first_crawl_at"]
                self.db["sites"].update(site, {"last_crawl_at": now, "first_crawl_at": first or now})

    def open_round(self, site: str) -> int | None:
        """The crawls row of the site's cluster round now open, if any."""
        return self.db.execute("SELECT max(id) FROM crawls WHERE site = ? AND status = 'cluster' AND "
                               "finished_at IS NULL", [site]).fetchone()[0]

    def sites_in_round(self) -> list[str]:
        """The sites with a cluster round open."""
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT site FROM crawls WHERE status = 'cluster' AND finished_at IS NULL")]

    def count_outcome(self, crawl_id: int, outcome: str) -> None:
        """One more page of a cluster round, by outcome (inside the caller's transaction)."""
        column = outcome if outcome in CRAWL_OUTCOMES else None
        self.db.execute(f"UPDATE crawls SET pages = pages + 1{f', {column} = {column} + 1' if column else ''} "
                        "WHERE id = ? AND status = 'cluster'", [crawl_id])

    def stream_mark(self, stream: str) -> str | None:
        row = self.db.execute("SELECT last_id FROM stream_marks WHERE stream = ?", [stream]).fetchone()
        return row[0] if row else None

    def set_stream_mark(self, stream: str, last_id: str) -> None:
        """Inside the transaction that committed the entry's page."""
        self.db.execute("INSERT INTO stream_marks (stream, last_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (stream) "
                        "DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at",
                        [stream, last_id, utc_now()])

    # --- articles -------------------------------------------------------------

    def watched_articles(self, site: str, since: str | None) -> list[dict]:
        """The site's articles first seen at or after `since` (none for None), with what deciding
        a revisit and sending it conditionally needs (monitor.schedule.due)."""
        if since is None:
            return []
        return list(self.db.query(
            "SELECT url, etag, last_modified, body_hash, status, first_seen, last_seen FROM articles "
            "WHERE site = ? AND first_seen >= ?", [site, since]))

    def stored_urls(self, site: str) -> set[str]:
        """Every URL of the site in the store, articles and pages found not to be articles: found
        again in a feed or listing, one not due is skipped."""
        return {row[0] for row in self.db.execute("SELECT url FROM articles WHERE site = ? UNION "
                                                  "SELECT url FROM not_articles WHERE site = ?", [site, site])}

    def not_an_article(self, page: FetchedPage, evidence: str) -> None:
        """A page the site's own signals say is not an article (a section, a tag, an author page),
        inside the caller's transaction."""
        self.db.execute("INSERT OR IGNORE INTO not_articles (url, site, first_seen, evidence) VALUES (?, ?, ?, ?)",
                        [page.url, page.site, page.fetched_at, evidence])

    def fail_unfinished_crawls(self, pid: int | None, reason: str, status: str = "failed") -> int:
        """Close the crawl rows process `pid` left unfinished (it was killed, crashed or timed
        out: `failed`; or stopped on purpose: `stopped`), with the reason. Returns how many."""
        with self.transaction():
            return self.db.execute(
                "UPDATE crawls SET finished_at = ?, status = ?, errors = 1, error_log = ? "
                "WHERE pid IS ? AND finished_at IS NULL",
                [utc_now(), status, json.dumps([reason], ensure_ascii=False), pid]).rowcount

    def article(self, url: str) -> dict | None:
        cursor = self.db.execute("SELECT * FROM articles WHERE url = ?", [url])
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None

    # The write path of a crawl uses plain INSERT/UPDATE rather than sqlite-utils' insert() and
    # update(), which introspect the table and read rows back on every call, a large share of a
    # store insert's time (BENCHMARKS.md).

    def _insert(self, table: str, row: dict) -> int:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        return self.db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())).lastrowid

    def _update(self, table: str, pk: int, row: dict) -> None:
        assignments = ", ".join(f"{column} = ?" for column in row)
        self.db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*row.values(), pk])

    def is_live(self, url: str) -> bool:
        return self.db.execute("SELECT 1 FROM articles WHERE url = ? AND status = 'live'", [url]).fetchone() is not None

    def touch(self, page: FetchedPage) -> bool:
        """A 304 of a live article: it was seen unchanged (validators refreshed). False if no live
        article has the URL (not stored, or removed: a 304 for it is monitor.changes.decide's)."""
        # the commonest write of a revisit, so plain SQL (see _insert)
        return bool(self.db.execute(
            "UPDATE articles SET last_seen = max(last_seen, ?), etag = coalesce(?, etag), "
            "last_modified = coalesce(?, last_modified) WHERE url = ? AND status = 'live'",
            [page.fetched_at, page.etag, page.last_modified, page.url]).rowcount)

    def save(self, page: FetchedPage, stored: dict | None, change: Decision, crawl_id: int | None) -> int:
        """Persist what the monitor decided of one fetch (monitor.changes.decide), inside the
        caller's transaction: the article row, a version and the search index if the content is
        new, the alert. `stored` is the row the decision was made on (None: a new article).
        Returns the article's id."""
        when = page.fetched_at
        row: dict = {"last_seen": when}
        columns = None
        if change.removed:
            row.update(status="removed", removed_at=when, removed_status=page.status)
        elif page.article is None:  # a 304 of a removed article: back, with the content stored
            row.update(status="live", removed_at=None, removed_status=None, etag=page.etag or stored["etag"],
                       last_modified=page.last_modified or stored["last_modified"])
        else:  # the page was read: its content and validators as fetched
            columns = article_columns(page.article)
            row.update(url=page.url, site=page.site, **columns, etag=page.etag,
                       last_modified=page.last_modified, body_hash=page.body_hash, status="live", removed_at=None,
                       removed_status=None)
            if change.keep_published:
                for column in ("published_at", "published_precision", "published_estimated"):
                    del row[column]
        if change.new_version:
            row.update(last_changed=when, versions=((stored or {}).get("versions") or 0) + 1)
        if stored is None:
            article_id = self._insert("articles", {**row, "first_seen": when})
        else:
            article_id = stored["id"]
            self._update("articles", article_id, row)
        moved = "\n".join(change.moved) or None
        if change.new_version:
            prepared = _prepared(page)
            self._version(article_id, page, moved, prepared.html_gz, columns)
            self._index(article_id, prepared.title, prepared.text)
        if change.alert:
            self._insert("alerts", {"kind": change.alert, "article_id": article_id, "site": page.site,
                                    "url": page.url, "title": row.get("title", (stored or {}).get("title")),
                                    "created_at": when, "crawl_id": crawl_id, "diff": change.diff, "moved": moved})
        return article_id

    def _index(self, article_id: int, folded_title: str, folded_text: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO articles_search (article_id, title, text) VALUES (?, ?, ?)",
                        [article_id, folded_title, folded_text])

    def _version(self, article_id: int, page: FetchedPage, moved: str | None, html_gz: bytes | None,
                 columns: dict | None = None) -> None:
        columns = columns or article_columns(page.article)
        self._insert("versions", {
            "article_id": article_id, "fetched_at": page.fetched_at, "content_hash": page.article.content_hash,
            "title": page.article.title, "text": page.article.text,
            "html_gz": html_gz,
            "status": page.status, "content_type": page.content_type, "etag": page.etag,
            "last_modified": page.last_modified, "feed_date": page.feed_published,
            **{k: columns[k] for k in VERSION_METADATA}, "moved": moved,
        })

    # --- reprints: monitor.stories decides, these read and write (inside the caller's transaction) ---

    def signature(self, article_id: int) -> tuple[bytes, str] | None:
        """(minhash, content_hash it was computed from) of an article, if it has one."""
        row = self.db.execute("SELECT minhash, content_hash FROM signatures WHERE article_id = ?",
                              [article_id]).fetchone()
        return (row[0], row[1]) if row else None

    def put_signature(self, article_id: int, minhash: bytes | None, shingles: int, content_hash: str,
                      keys: tuple[int, ...], old_keys: tuple[int, ...] = ()) -> None:
        """An article's signature and its LSH band keys, replacing `old_keys` (those of the signature
        it had). `minhash` None: the text is too short to have one; only the content hash is kept.
        The keys go to reprint_bands_recent, merged into reprint_bands in key order once it holds
        RECENT_BANDS rows, in the same transaction: every signed article is in one of the two."""
        if old_keys:
            for table in ("reprint_bands", "reprint_bands_recent"):
                self.db.conn.executemany(f"DELETE FROM {table} WHERE key = ? AND article_id = ?",
                                         [(k, article_id) for k in old_keys])
        self.db.execute("INSERT OR REPLACE INTO signatures (article_id, shingles, minhash, content_hash) "
                        "VALUES (?, ?, ?, ?)", [article_id, shingles, minhash, content_hash])
        self.db.conn.executemany("INSERT OR IGNORE INTO reprint_bands_recent (key, article_id) VALUES (?, ?)",
                                 [(k, article_id) for k in keys])
        if self._recent_bands is None:
            self._recent_bands = self.db.execute("SELECT count(*) FROM reprint_bands_recent").fetchone()[0]
        else:
            self._recent_bands += len(keys)
        if self._recent_bands >= RECENT_BANDS:
            self.db.execute("INSERT OR IGNORE INTO reprint_bands (key, article_id) "
                            "SELECT key, article_id FROM reprint_bands_recent ORDER BY key, article_id")
            self.db.execute("DELETE FROM reprint_bands_recent")
            self._recent_bands = 0

    def band_matches(self, keys: tuple[int, ...], exclude: int, limit: int) -> list[int]:
        """Articles sharing at least one band key, most shared bands first, at most `limit`."""
        marks = ", ".join("?" for _ in keys)
        shared = dict(self.db.execute(  # both tables in one statement: one step fewer on the busiest path
            f"SELECT article_id, count(*) FROM (SELECT article_id FROM reprint_bands WHERE key IN ({marks}) "
            f"UNION ALL SELECT article_id FROM reprint_bands_recent WHERE key IN ({marks})) GROUP BY article_id",
            [*keys, *keys]).fetchall())
        shared.pop(exclude, None)
        return sorted(shared, key=lambda a: (-shared[a], -a))[:limit]

    def _by_ids(self, sql: str, ids) -> list[tuple]:
        """The rows of `sql` (its `{ids}` the placeholders of `ids`): the reprint lookups' reads of a
        few articles at once."""
        ids = list(ids)
        if not ids:
            return []
        return self.db.execute(sql.format(ids=", ".join("?" for _ in ids)), ids).fetchall()

    def signatures_of(self, ids: list[int]) -> dict[int, tuple[bytes, int]]:
        """id -> (minhash, shingles) of the given articles that have a signature."""
        return {r[0]: (r[1], r[2]) for r in self._by_ids(
            "SELECT article_id, minhash, shingles FROM signatures WHERE article_id IN ({ids}) "
            "AND minhash IS NOT NULL", ids)}

    def story_articles(self, ids) -> dict[int, dict]:
        """id -> id, site, url, title, published_at, first_seen and the site's timezone of the given articles."""
        ids = list(ids)
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        return {r["id"]: r for r in self.db.query(
            "SELECT a.id, a.site, a.url, a.title, a.published_at, a.first_seen, s.timezone FROM articles a "
            f"LEFT JOIN sites s ON s.key = a.site WHERE a.id IN ({marks})", ids)}

    def folded_texts(self, ids: list[int]) -> dict[int, str]:
        """id -> the article's text as the search index folded it (extract.arabic.search_text)."""
        return dict(self._by_ids("SELECT article_id, text FROM articles_search WHERE article_id IN ({ids})", ids))

    def set_source(self, source_id: int, delays: dict[int, int | None]) -> None:
        """The given reprints (article id -> its delay, monitor.reprints.delay_seconds) now point at `source_id`."""
        self.db.conn.executemany("UPDATE reprints SET source_id = ?, delay_seconds = ? WHERE article_id = ?",
                                 [(source_id, delay, article_id) for article_id, delay in delays.items()])

    def saw_earlier(self, article_id: int, when: str) -> bool:
        """A sight of the article from before its first one (an archive capture, a cluster worker's page
        written late) becomes its first sight. False if it was not earlier."""
        return bool(self.db.execute("UPDATE articles SET first_seen = ? WHERE id = ? AND first_seen > ?",
                                    [when, article_id, when]).rowcount)

    def sources_of(self, ids: list[int]) -> dict[int, int]:
        """id -> source_id of those of the given articles that are reprints."""
        return dict(self._by_ids("SELECT article_id, source_id FROM reprints WHERE article_id IN ({ids})", ids))

    def reprint_of(self, article_id: int) -> dict | None:
        cursor = self.db.execute("SELECT * FROM reprints WHERE article_id = ?", [article_id])
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None

    def story_sources(self) -> list[int]:
        """The source of every story."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT source_id FROM reprints ORDER BY source_id")]

    def reprints_from(self, source_id: int) -> list[int]:
        """The articles recorded as reprints of `source_id`."""
        return [r[0] for r in self.db.execute("SELECT article_id FROM reprints WHERE source_id = ?", [source_id])]

    def put_reprint(self, row: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO reprints (article_id, source_id, similarity, jaccard, kind, "
                        "delay_seconds, found_at) VALUES (:article_id, :source_id, :similarity, :jaccard, :kind, "
                        ":delay_seconds, :found_at)", row)

    def set_similarity(self, article_id: int, similarity: float, jaccard: float, kind: str) -> None:
        self.db.execute("UPDATE reprints SET similarity = ?, jaccard = ?, kind = ? WHERE article_id = ?",
                        [similarity, jaccard, kind, article_id])

    def drop_reprint(self, article_id: int) -> None:
        self.db.execute("DELETE FROM reprints WHERE article_id = ?", [article_id])

    def alert(self, kind: str, article: dict, when: str, crawl_id: int | None, diff: str | None) -> None:
        """An alert about a stored article (`article`: its id, site, url, title), in the caller's transaction."""
        self._insert("alerts", {"kind": kind, "article_id": article["id"], "site": article["site"],
                                "url": article["url"], "title": article["title"], "created_at": when,
                                "crawl_id": crawl_id, "diff": diff})

    def reprint_list(self, since: str | None = None, site: str | None = None) -> list[dict]:
        """Every story with reprints: the source and, per reprint, its site, similarity, kind and
        delay, with both articles' claimed publication, first sight and zone; `since` (ISO) on the
        source's publication (first sight when unknown), `site` either side. Grouped by story (the
        order of stories and of their reprints is monitor.reprints' to give)."""
        where, params = _since_and_site(since, site, "s", "(s.site = :site OR c.site = :site)")
        return list(self.db.query(
            "SELECT r.source_id, s.site AS source_site, s.url AS source_url, s.title AS source_title, "
            "s.published_at AS source_published_at, s.first_seen AS source_first_seen, ss.timezone AS source_timezone, "
            "r.article_id, c.site, c.url, c.title, c.published_at, c.first_seen, cs.timezone, "
            "r.similarity, r.jaccard, r.kind, r.delay_seconds, r.found_at "
            "FROM reprints r JOIN articles s ON s.id = r.source_id JOIN articles c ON c.id = r.article_id "
            "LEFT JOIN sites ss ON ss.key = s.site LEFT JOIN sites cs ON cs.key = c.site "
            + (f"WHERE {' AND '.join(where)} " if where else "")
            + "ORDER BY coalesce(s.published_at, s.first_seen), r.source_id, r.delay_seconds, r.article_id", params))

    def unsigned_articles(self) -> list[dict]:
        """Articles whose signature is missing or was computed from other text: id, text, content_hash."""
        return list(self.db.query(
            "SELECT a.id, a.text, a.content_hash FROM articles a LEFT JOIN signatures g ON g.article_id = a.id "
            "WHERE g.article_id IS NULL OR g.content_hash IS NOT a.content_hash ORDER BY a.id"))

    # --- front pages: monitor/frontpage.py decides, these read and write ---------------------

    def listing_state(self, site: str) -> dict[str, dict]:
        """path -> what a crawl needs to ask for a listing again: its validators, the hash of its last
        body, and the article URLs it showed (followed again when it answers 304)."""
        out: dict[str, dict] = {}
        for row in self.db.query("SELECT id, path, etag, last_modified, body_hash FROM listings WHERE site = ?",
                                 [site]):
            urls = [r[0] for r in self.db.execute(
                "SELECT DISTINCT f.url FROM placements p JOIN front_links f ON f.id = p.link_id "
                "WHERE p.listing_id = ? AND p.closed_at IS NULL", [row["id"]])]
            out[row["path"]] = {**{k: row[k] for k in ("etag", "last_modified", "body_hash")}, "urls": urls}
        return out

    def listing(self, site: str, path: str) -> dict | None:
        cursor = self.db.execute("SELECT * FROM listings WHERE site = ? AND path = ?", [site, path])
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None

    def listings(self, site: str) -> list[dict]:
        return list(self.db.query("SELECT * FROM listings WHERE site = ? ORDER BY id", [site]))

    def open_placements(self, listing_id: int) -> list[dict]:
        """The listing's placements open now, in the page's order: id, url, block, kind, rank, teaser,
        appeared_at."""
        return list(self.db.query(
            "SELECT p.id, f.url, p.block, p.kind, p.rank, p.teaser, p.appeared_at FROM placements p "
            "JOIN front_links f ON f.id = p.link_id WHERE p.listing_id = ? AND p.closed_at IS NULL ORDER BY p.rank",
            [listing_id]))

    def article_states(self, urls) -> dict[str, dict]:
        """url -> id, site, url, title, status of the stored articles among `urls`."""
        return {r[2]: {"id": r[0], "site": r[1], "url": r[2], "title": r[3], "status": r[4]} for r in self._by_ids(
            "SELECT id, site, url, title, status FROM articles WHERE url IN ({ids})", sorted(set(urls)))}

    def read_listing(self, page: ListingPage, change: FrontDecision | None, articles: dict[str, dict],
                     crawl_id: int | None) -> int:
        """Persist a reading of a listing page (inside the caller's transaction): the listing row (its
        validators, when it was read), and for a page read and changed (`change`) the placements it
        closes and opens and its alerts. Returns the listing's id."""
        listing = self.listing(page.site, page.path)
        when = page.fetched_at
        row = {"url": page.url, "last_read": when}
        if page.status == 200:  # a 304 keeps the validators it answered to (those it sends, if any, are new)
            row.update(etag=page.etag, last_modified=page.last_modified, body_hash=page.body_hash)
        else:
            row.update({k: v for k, v in (("etag", page.etag), ("last_modified", page.last_modified)) if v})
        if listing is None:
            listing_id = self._insert("listings", {"site": page.site, "path": page.path, "first_read": when,
                                                   "reads": 1, **row})
        else:
            listing_id = listing["id"]
            self.db.execute(f"UPDATE listings SET {', '.join(f'{k} = ?' for k in row)}, reads = reads + 1 "
                            "WHERE id = ?", [*row.values(), listing_id])
        if change is None or not (change.openings or change.closings):
            return listing_id
        self.db.execute("UPDATE listings SET last_changed = ? WHERE id = ?", [when, listing_id])
        self.db.conn.executemany("UPDATE placements SET closed_at = ?, closed_as = ?, closed_crawl_id = ? "
                                 "WHERE id = ? AND closed_at IS NULL",
                                 [(when, c.reason, crawl_id, c.id) for c in change.closings])
        links = self._link_ids([o.url for o in change.openings])
        self.db.conn.executemany(
            "INSERT INTO placements (listing_id, link_id, block, kind, rank, position, block_position, teaser, "
            "appeared_at, opened_at, crawl_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(listing_id, links[o.url], o.block, o.kind, o.rank, o.position, o.block_position, o.teaser,
              o.appeared_at, when, crawl_id) for o in change.openings])
        for alert in change.alerts:
            article = articles.get(alert.url)
            if article is not None:
                self._insert("alerts", {"kind": alert.kind, "article_id": article["id"], "site": article["site"],
                                        "url": article["url"], "title": article["title"], "created_at": when,
                                        "crawl_id": crawl_id, "diff": alert.diff})
        return listing_id

    def front_readings(self, after_crawl_id: int) -> list[dict]:
        """The readings of crawls after `after_crawl_id` that changed a listing: site, path, listing_id,
        at (the reading's time), oldest first."""
        return list(self.db.query(
            "SELECT l.site, l.path, l.id AS listing_id, r.at FROM (SELECT listing_id, opened_at AS at FROM placements "
            "WHERE crawl_id > :after UNION SELECT listing_id, closed_at FROM placements WHERE closed_crawl_id > :after) r "
            "JOIN listings l ON l.id = r.listing_id ORDER BY l.site, l.path, r.at", {"after": after_crawl_id}))

    def unpull(self, url: str, since: str) -> None:
        """The article at `url` was found gone, never seen online after it left a front page (since
        `since`, its sight before): that departure was no pull. Its `pulled` closings become `left`
        and their alerts, not yet handed to any channel, are withdrawn (in the caller's transaction)."""
        self.db.execute("UPDATE placements SET closed_as = 'left' WHERE closed_as = 'pulled' AND closed_at > ? AND "
                        "link_id = (SELECT id FROM front_links WHERE url = ?)", [since, url])
        self.db.execute("DELETE FROM alerts WHERE kind = 'pulled' AND url = ? AND created_at > ? AND delivered_at IS NULL "
                        "AND id NOT IN (SELECT alert_id FROM deliveries)", [url, since])

    def _link_ids(self, urls: list[str]) -> dict[str, int]:
        self.db.conn.executemany("INSERT OR IGNORE INTO front_links (url) VALUES (?)", [(u,) for u in set(urls)])
        return {r[1]: r[0] for r in self._by_ids("SELECT id, url FROM front_links WHERE url IN ({ids})",
                                                 sorted(set(urls)))}

    def front_page(self, listing_id: int, at: datetime) -> list[dict]:
        """The listing's placements open at `at`, in the page's order, with the article stored at
        each URL (its id, title, status) when there is one."""
        at = at.astimezone(UTC).isoformat(timespec="milliseconds")  # as fetch times are written: compared as text
        return list(self.db.query(
            "SELECT p.id, f.url, p.block, p.kind, p.rank, p.teaser, p.opened_at, p.appeared_at, p.closed_as, "
            "a.id AS article_id, a.title, a.status FROM placements p JOIN front_links f ON f.id = p.link_id "
            "LEFT JOIN articles a ON a.url = f.url WHERE p.listing_id = :listing AND p.opened_at <= :at "
            "AND (p.closed_at IS NULL OR p.closed_at > :at) ORDER BY p.rank", {"listing": listing_id, "at": at}))

    # --- archives (crawler/archive/importer.py, crawler/archive/exporter.py) ---------------------

    def has_version(self, article_id: int, content_hash: str) -> bool:
        """Whether one of the article's versions has this content (an archive's capture of it is known)."""
        return self.db.execute("SELECT 1 FROM versions WHERE article_id = ? AND content_hash = ? LIMIT 1",
                               [article_id, content_hash]).fetchone() is not None

    def captures(self, site: str | None = None, since: str | None = None) -> Iterator[dict]:
        """Every stored version (fetched on or after `since`, of `site`) with its raw HTML, and every
        removal, oldest first: what `rasid export warc` writes. One page in memory at a time."""
        site_is = "(:site IS NULL OR a.site = :site)"
        cursor = self.db.execute(
            "SELECT a.url, a.site, v.feed_date, v.fetched_at, coalesce(v.status, 200) AS status, v.content_type, "
            "v.etag, v.last_modified, v.html_gz FROM versions v JOIN articles a ON a.id = v.article_id "
            f"WHERE v.html_gz IS NOT NULL AND {site_is} AND (:since IS NULL OR v.fetched_at >= :since) "
            "UNION ALL SELECT a.url, a.site, NULL, a.removed_at, coalesce(a.removed_status, 404), NULL, "
            f"NULL, NULL, NULL FROM articles a WHERE a.status = 'removed' AND {site_is} "
            "AND (:since IS NULL OR a.removed_at >= :since) ORDER BY 4, 1", {"site": site, "since": since})
        names = [c[0] for c in cursor.description]
        for row in cursor:
            capture = dict(zip(names, row, strict=True))
            html_gz = capture.pop("html_gz")
            capture["html"] = zlib.decompress(html_gz).decode("utf-8") if html_gz is not None else None
            yield capture

    # --- re-extraction -------------------------------------------------------------

    def latest_versions(self, site: str | None = None) -> Iterator[tuple[dict, str]]:
        """(article, raw html of its newest version) for every article whose HTML was kept.
        The article dict carries `version_id` and `fetched_at` of that version."""
        where, params = "", []
        if site:
            where, params = "WHERE a.site = ?", [site]
        rows = list(self.db.query(
            "SELECT a.id, a.site, a.url, a.published_at, a.published_precision, a.content_hash, "
            "v.id AS version_id, v.fetched_at FROM articles a "
            "JOIN versions v ON v.id = (SELECT max(id) FROM versions WHERE article_id = a.id AND html_gz IS NOT NULL) "
            f"{where} ORDER BY a.id", params))
        for row in rows:  # one page's HTML in memory at a time
            html_gz = self.db.execute("SELECT html_gz FROM versions WHERE id = ?", [row["version_id"]]).fetchone()[0]
            yield row, zlib.decompress(html_gz).decode("utf-8")

    def replace_extraction(self, article_id: int, version_id: int, article: Article) -> bool:
        """Rewrite an article's extracted fields (and its newest version's text) after
        extraction improved. Not an edit of the article: no version, no alert.

        Compare-and-set on the version: if a crawl stored a newer version since `version_id`
        was read, nothing is written and False comes back (the newer version is the article now;
        re-extracting the older one would put stale text back, which the next crawl would not
        repair, its page answering 304)."""
        columns = article_columns(article)
        with self.transaction():
            newest = self.db.execute("SELECT max(id) FROM versions WHERE article_id = ?", [article_id]).fetchone()[0]
            if newest != version_id:
                return False
            self.db["articles"].update(article_id, columns)
            self._index(article_id, search_text(article.title or ""), search_text(article.text or ""))
            # the version stands for the article as extracted now; what moved at its fetch stays as decided then
            self.db["versions"].update(version_id, {k: columns[k] for k in ("title", "text", "content_hash",
                                                                              *VERSION_METADATA)})
            return True

    def search(self, query: str, site: str | None = None, since: str | None = None,
               limit: int = 50) -> list[dict]:
        """Articles matching `query` (see extract.arabic.search_query), newest first.
        `since` is an ISO date or instant compared with published_at (first_seen when unknown)."""
        match = search_query(query)
        if not match:
            raise ValueError(f"query {query!r} has no words to search for")
        where, params = _since_and_site(since, site, "a")
        where.insert(0, "articles_search_fts MATCH :match")
        params.update(match=match, limit=limit)
        return list(self.db.query(
            "SELECT a.id, a.site, a.url, a.title, a.text, a.published_at, a.first_seen, a.status "
            "FROM articles_search_fts JOIN articles a ON a.id = articles_search_fts.rowid "
            f"WHERE {' AND '.join(where)} ORDER BY coalesce(a.published_at, a.first_seen) DESC LIMIT :limit",
            params))

    # --- the alert outbox -------------------------------------------------------------

    def undelivered_alerts(self) -> list[dict]:
        """Alerts not yet delivered everywhere, oldest first, with their article's text and site zone."""
        return list(self.db.query(
            "SELECT al.*, a.text, a.published_at, s.name AS site_name, s.timezone FROM alerts al "
            "JOIN articles a ON a.id = al.article_id JOIN sites s ON s.key = al.site "
            "WHERE al.delivered_at IS NULL ORDER BY al.id"))

    def delivery(self, alert_id: int, channel: str) -> dict | None:
        rows = list(self.db["deliveries"].rows_where("alert_id = ? AND channel = ?", [alert_id, channel]))
        return rows[0] if rows else None

    def record_attempt(self, alert_id: int, channel: str, ok: bool, error: str | None = None,
                       retry_at: str | None = None) -> None:
        """One delivery attempt to one channel: delivered, or failed with the next attempt time."""
        with self.transaction():
            previous = self.delivery(alert_id, channel) or {"attempts": 0}
            self.db["deliveries"].upsert({
                "alert_id": alert_id, "channel": channel, "attempts": previous["attempts"] + 1,
                "delivered_at": utc_now() if ok else None, "next_attempt_at": None if ok else retry_at,
                "last_error": None if ok else error,
            }, pk=("alert_id", "channel"))

    def close_alert(self, alert_id: int, how: str) -> None:
        """The alert needs nothing more: delivered (every channel took it) or filtered (no watch rule matched)."""
        with self.transaction():
            self.db["alerts"].update(alert_id, {"delivered_at": utc_now(), "delivery": how})

    # --- reading -----------------------------------------------------------------

    def alerts(self, after_crawl_id: int | None = None) -> list[dict]:
        """All alerts, or those raised by crawls with id > after_crawl_id (see last_crawl_id), oldest first."""
        if after_crawl_id is None:
            return list(self.db["alerts"].rows_where(order_by="id"))
        return list(self.db["alerts"].rows_where("crawl_id > ?", [after_crawl_id], order_by="id"))

    def site_status(self) -> list[dict]:
        """Per site: last crawl (start, seconds, status), article counts, new and failed in the last day."""
        day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
        return list(self.db.query(
            "SELECT s.key AS site, c.started_at AS last_run, "
            "CAST(round((julianday(c.finished_at) - julianday(c.started_at)) * 86400) AS INTEGER) AS seconds, "
            "c.status AS result, "
            "(SELECT count(*) FROM articles a WHERE a.site = s.key AND a.status = 'live') AS live, "
            "(SELECT count(*) FROM articles a WHERE a.site = s.key AND a.status = 'removed') AS removed, "
            "(SELECT count(*) FROM articles a WHERE a.site = s.key AND a.first_seen >= :day) AS new_24h, "
            "(SELECT count(*) FROM crawls f WHERE f.site = s.key AND f.started_at >= :day "
            "AND f.status NOT IN ('ok', 'running', 'stopped', 'cluster')) AS failed_24h "  # cluster: a round still open
            "FROM sites s LEFT JOIN crawls c ON c.id = (SELECT max(id) FROM crawls WHERE site = s.key) "
            "ORDER BY s.key", {"day": day_ago}))

    def newest_article(self, site: str) -> str | None:
        """The latest publication time (else first sight) of the site's live articles."""
        return self.db.execute("SELECT max(coalesce(published_at, first_seen)) FROM articles "
                               "WHERE site = ? AND status = 'live'", [site]).fetchone()[0]

    def count_not_articles(self, site: str) -> int:
        return self.db.execute("SELECT count(*) FROM not_articles WHERE site = ?", [site]).fetchone()[0]

    def has_table(self, name: str) -> bool:
        return name in self.db.table_names()

    def crawl_summary(self, after_crawl_id: int) -> list[dict]:
        """Per-site figures of the crawls with id > after_crawl_id, their error lines, and the site's live articles."""
        return list(self.db.query(
            "SELECT c.site, c.pages, c.new, c.changed, c.removed, c.restored, c.not_modified, c.errors, c.status, "
            "c.error_log, (SELECT count(*) FROM articles a WHERE a.site = c.site AND a.status = 'live') AS articles "
            "FROM crawls c WHERE c.id > ? ORDER BY c.site", [after_crawl_id]))

    def article_list(self) -> list[dict]:
        """site, published_at and title of every article, by site, newest first."""
        return list(self.db.query("SELECT site, published_at, title FROM articles ORDER BY site, published_at DESC"))

    def count_alerts(self, undelivered: bool = False) -> int:
        """All alerts, or those still in the outbox."""
        return self.db["alerts"].count_where("delivered_at IS NULL" if undelivered else None)

    def recent_errors(self, limit: int = 10) -> list[dict]:
        """The newest error lines of crawls, newest first: {started_at, site, line}."""
        out: list[dict] = []
        for row in self.db.query("SELECT started_at, site, error_log FROM crawls WHERE error_log IS NOT NULL "
                                 "ORDER BY id DESC LIMIT ?", [limit]):
            for line in reversed(json.loads(row["error_log"])):
                out.append({"started_at": row["started_at"], "site": row["site"], "line": line})
        return out[:limit]

