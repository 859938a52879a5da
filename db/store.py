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

Every fetched page is recorded in one transaction (article, version, alert
together), so a crawl killed at any moment leaves whole articles or none.
WAL mode lets Datasette and other readers read while a crawl writes.
"""

from __future__ import annotations

import difflib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from extract.arabic import search_query, search_text

SCHEMA_VERSION = 3
ALERT_KINDS = ("new", "changed", "removed", "restored")


class StoreError(RuntimeError):
    """The store cannot be opened or written: one readable line."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _alive(pid: int | None) -> bool:
    """Whether a process runs: a zombie (exited, not yet reaped by its new parent) does not."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True  # no /proc (not Linux): kill(pid, 0) is all we know


def _instant(value: str | None) -> datetime | None:
    """An ISO timestamp as an aware datetime (UTC when it has no offset); None for a day or less."""
    if not value or len(value) < 16:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class PageRecord:
    """What the crawler learned about one article URL on one fetch."""

    url: str
    site: str
    status: int  # HTTP status; 304 means unchanged since the validators we sent
    fetched_at: str
    title: str | None = None
    text: str | None = None
    published_at: str | None = None
    published_precision: str | None = None
    modified_at: str | None = None
    author: str | None = None
    section: str | None = None
    tags: list[str] | None = None
    image: str | None = None
    lang: str | None = None
    content_hash: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    html: str | None = None
    body_hash: str | None = None  # of the raw response body: the same body is not extracted again


def word_diff(old: str, new: str, context: int = 6) -> str:
    """A readable word-level diff: [-removed words-] {+added words+}, with a few
    words of context around each change and … between distant changes."""
    a, b = old.split(), new.split()
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            words = a[i1:i2]
            if len(words) > 2 * context:
                head = words[:context] if parts else []
                tail = words[-context:] if i2 < len(a) else []
                parts.append(" ".join(head + ["…"] + tail).strip())
            else:
                parts.append(" ".join(words))
            continue
        if i2 > i1:
            parts.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(p for p in parts if p)


def _extracted_columns(page: PageRecord) -> dict:
    """The articles columns that come from extraction (what `rasid reextract` rewrites)."""
    return {
        "title": page.title, "text": page.text, "published_at": page.published_at,
        "published_precision": page.published_precision, "modified_at": page.modified_at, "author": page.author,
        "section": page.section, "tags": json.dumps(page.tags or [], ensure_ascii=False), "image": page.image,
        "lang": page.lang, "content_hash": page.content_hash,
    }


class Store:
    """All reads and writes of the SQLite store."""

    def __init__(self, path: str | Path, max_mb: float | None = None):
        """`max_mb` caps the store's size (PRAGMA max_page_count): a write past it fails
        cleanly, as on a full disk, instead of filling the disk."""
        self.path = Path(path)
        self._sites_with_baseline: set[str] = set()
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
            self._create()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open store: {exc}") from None

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE … COMMIT: one writer at a time, all or nothing."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back already (a full disk does)
                conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:  # a full disk can fail the commit itself: leave nothing half-done
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # --- schema ------------------------------------------------------------

    def _create(self) -> None:
        db = self.db
        with self.transaction():
            if "sites" not in db.table_names():
                db["sites"].create({"key": str, "name": str, "base_url": str, "timezone": str,
                                    "first_crawl_at": str, "last_crawl_at": str}, pk="key")
            if "articles" not in db.table_names():
                db["articles"].create({
                    "id": int, "url": str, "site": str, "title": str, "text": str,
                    "published_at": str, "published_precision": str, "modified_at": str,
                    "author": str, "section": str, "tags": str, "image": str, "lang": str,
                    "first_seen": str, "last_seen": str, "last_changed": str, "content_hash": str,
                    "etag": str, "last_modified": str, "status": str, "removed_at": str, "versions": int,
                }, pk="id", foreign_keys=[("site", "sites", "key")], not_null={"url", "site", "first_seen"},
                    defaults={"status": "live", "versions": 0})
                db["articles"].create_index(["url"], unique=True)
                db["articles"].create_index(["site", "published_at"])
                db["articles"].create_index(["first_seen"])
            if "versions" not in db.table_names():
                db["versions"].create({
                    "id": int, "article_id": int, "fetched_at": str, "content_hash": str,
                    "title": str, "text": str, "html_gz": bytes,
                }, pk="id", foreign_keys=[("article_id", "articles", "id")])
                db["versions"].create_index(["article_id", "fetched_at"])
            if "crawls" not in db.table_names():
                db["crawls"].create({
                    "id": int, "site": str, "started_at": str, "finished_at": str, "status": str,
                    "pages": int, "new": int, "changed": int, "unchanged": int, "not_modified": int,
                    "removed": int, "restored": int, "errors": int, "error_log": str,
                }, pk="id", foreign_keys=[("site", "sites", "key")],
                    defaults={k: 0 for k in ("pages", "new", "changed", "unchanged", "not_modified", "removed",
                                             "restored", "errors")})
                db["crawls"].create_index(["site", "started_at"])
            if "alerts" not in db.table_names():
                db["alerts"].create({
                    "id": int, "kind": str, "article_id": int, "site": str, "url": str, "title": str,
                    "created_at": str, "crawl_id": int, "diff": str, "delivered_at": str,
                }, pk="id", foreign_keys=[("article_id", "articles", "id"), ("crawl_id", "crawls", "id")])
                db["alerts"].create_index(["created_at"])
            if "body_hash" not in db["articles"].columns_dict:
                db["articles"].add_column("body_hash", str)
            if "pid" not in db["crawls"].columns_dict:
                db["crawls"].add_column("pid", int)  # the crawl's process, to tell a dead crawl from a running one
            if "delivery" not in db["alerts"].columns_dict:
                db["alerts"].add_column("delivery", str)  # delivered, filtered (by watch rules), no_channels
            if "deliveries" not in db.table_names():
                db["deliveries"].create({
                    "alert_id": int, "channel": str, "attempts": int, "next_attempt_at": str, "delivered_at": str,
                    "last_error": str,
                }, pk=("alert_id", "channel"), foreign_keys=[("alert_id", "alerts", "id")], defaults={"attempts": 0})
            if "articles_search" not in db.table_names():
                db["articles_search"].create({"article_id": int, "title": str, "text": str}, pk="article_id")
                # FTS5 through sqlite-utils: its triggers keep the index in step with articles_search.
                db["articles_search"].enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61")
                for row in db.query("SELECT id, title, text FROM articles"):  # a store from before search
                    self._index(row["id"], row["title"], row["text"])
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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
        # a crawl cut by a full store, a stop or a kill has not seen the whole site
        return bool(self.db["crawls"].count_where("site = ? AND status IN ('ok', 'partial')", [site]))

    def _baseline(self, site: str) -> bool:
        """has_baseline, remembered once true (a baseline never goes away)."""
        if site not in self._sites_with_baseline and self.has_baseline(site):
            self._sites_with_baseline.add(site)
        return site in self._sites_with_baseline

    def last_crawl_id(self) -> int:
        """Id of the newest crawl row (0 for none): rows after it belong to a later run."""
        return self.db.execute("SELECT coalesce(max(id), 0) FROM crawls").fetchone()[0]

    def start_crawl(self, site: str) -> int:
        crawl_id, running = self.claim_crawl(site)
        if crawl_id is None:
            raise StoreError(f"{site}: already being crawled by process {running['pid']} "
                             f"(since {running['started_at']})")
        return crawl_id

    def claim_crawl(self, site: str) -> tuple[int | None, dict | None]:
        """Start a crawl of `site` unless a live process is crawling it already, atomically:
        (the new crawl's id, None), or (None, the running crawl's row). Two `rasid crawl` of
        one site never interleave their writes; crawls of different sites may run together."""
        self.close_dead_crawls()
        with self.transaction():
            for row in self.db.query("SELECT id, pid, started_at FROM crawls WHERE site = ? AND finished_at IS NULL",
                                     [site]):
                if row["pid"] != os.getpid() and _alive(row["pid"]):
                    return None, row
            crawl_id = self._insert("crawls", {"site": site, "started_at": utc_now(), "status": "running",
                                               "pid": os.getpid()})
            return crawl_id, None

    def close_dead_crawls(self) -> int:
        """Mark failed the crawl rows still 'running' whose process is gone (killed with
        SIGKILL, or the machine went down): they will never finish. Returns how many."""
        dead = {row["pid"] for row in self.db["crawls"].rows_where("finished_at IS NULL", select="pid")
                if not _alive(row["pid"])}
        return sum(self.fail_unfinished_crawls(pid, f"the crawl process (pid {pid}) died before finishing")
                   for pid in dead)

    def finish_crawl(self, crawl_id: int, counts: dict[str, int], errors: list[str], status: str) -> None:
        now = utc_now()
        with self.transaction():
            row = {k: v for k, v in counts.items() if k in ("pages", "new", "changed", "unchanged", "not_modified",
                                                            "removed", "restored")}
            row.update(finished_at=now, status=status, errors=len(errors),
                       error_log=json.dumps(errors[-50:], ensure_ascii=False) if errors else None)
            self.db["crawls"].update(crawl_id, row)
            site = self.db["crawls"].get(crawl_id)["site"]
            first = self.db["sites"].get(site)["first_crawl_at"]
            self.db["sites"].update(site, {"last_crawl_at": now, "first_crawl_at": first or now})

    # --- articles -------------------------------------------------------------

    def due_articles(self, site: str, now: datetime, schedule: tuple[tuple[int, int], ...],
                     every_step: bool = True) -> dict[str, dict]:
        """url -> {etag, last_modified, status} of the site's articles due for a revisit.

        `schedule` is ((interval, until_age), ...) in seconds, youngest first: an article
        younger than until_age is due once interval has passed since it was last fetched;
        one older than the last until_age is not revisited at all (with every_step=False,
        every article younger than that is due: a one-off crawl). Age counts from the
        article's first sight by Rasid, not its printed date: dates can be missing or wrong,
        and an article imported from an archive still gets its first week of watching."""
        if not schedule:
            return {}
        oldest = (now - timedelta(seconds=schedule[-1][1])).isoformat(timespec="seconds")
        rows = self.db.query(
            "SELECT url, etag, last_modified, body_hash, status, first_seen, last_seen FROM articles "
            "WHERE site = ? AND first_seen >= ?", [site, oldest])
        due = {}
        for row in rows:
            born = _instant(row["first_seen"])
            last = _instant(row["last_seen"]) or born
            if born is None:
                continue
            age = (now - born).total_seconds()
            interval = next((every for every, until in schedule if age < until), None)
            if interval is not None and (not every_step or (now - last).total_seconds() >= interval * 0.9):
                due[row["url"]] = {k: row[k] for k in ("etag", "last_modified", "body_hash", "status")}
        return due

    def stored_urls(self, site: str) -> set[str]:
        """Every article URL of the site in the store: found again in a feed, one not due is skipped."""
        return {row[0] for row in self.db.execute("SELECT url FROM articles WHERE site = ?", [site])}

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
    # update(), which introspect the table and read rows back on every call: measured at a
    # third of the time of a store insert (BENCHMARKS.md).

    def _insert(self, table: str, row: dict) -> int:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        return self.db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())).lastrowid

    def _update(self, table: str, pk: int, row: dict) -> None:
        assignments = ", ".join(f"{column} = ?" for column in row)
        self.db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", [*row.values(), pk])

    def record_page(self, page: PageRecord, crawl_id: int | None = None) -> str:
        """Record one fetch of an article URL; return what happened:
        new, changed, unchanged, not_modified, removed, restored, or missing
        (a 404 for a URL we never stored)."""
        with self.transaction():
            return self._record(page, crawl_id)

    def record_pages(self, pages: list[PageRecord], crawl_id: int | None = None) -> list[str]:
        """record_page for a batch, in one transaction: for bulk loads (imports, benchmarks),
        where one commit per page would dominate. Still all or nothing."""
        with self.transaction():
            return [self._record(page, crawl_id) for page in pages]

    def _record(self, page: PageRecord, crawl_id: int | None) -> str:
        if page.status == 304:
            # the commonest answer of a revisit, so plain SQL: sqlite-utils' update() would
            # first read the row back and introspect the table
            updated = self.db.execute(
                "UPDATE articles SET last_seen = ?, etag = coalesce(?, etag), "
                "last_modified = coalesce(?, last_modified) WHERE url = ?",
                [page.fetched_at, page.etag, page.last_modified, page.url]).rowcount
            return "not_modified" if updated else "missing"
        current = self.article(page.url)

        if page.status in (404, 410):
            if current is None:
                return "missing"
            if current["status"] == "removed":
                return "unchanged"
            self._update("articles", current["id"], {"status": "removed", "removed_at": page.fetched_at,
                                                     "last_seen": page.fetched_at})
            self._alert("removed", current, page.fetched_at, crawl_id)
            return "removed"

        row = {
            "url": page.url, "site": page.site, **_extracted_columns(page),
            "last_seen": page.fetched_at, "etag": page.etag, "last_modified": page.last_modified, "status": "live",
            "body_hash": page.body_hash,
        }
        if current is None:
            row.update(first_seen=page.fetched_at, last_changed=page.fetched_at, versions=1)
            article_id = self._insert("articles", row)
            self._version(article_id, page)
            self._index(article_id, page.title, page.text)
            if self._baseline(page.site):
                self._alert("new", {**row, "id": article_id}, page.fetched_at, crawl_id)
            return "new"

        outcome = "unchanged"
        if current["status"] == "removed":
            outcome = "restored"
            row["removed_at"] = None
        if page.content_hash != current["content_hash"]:
            row.update(last_changed=page.fetched_at, versions=(current["versions"] or 0) + 1)
            self._version(current["id"], page)
            self._index(current["id"], page.title, page.text)
            if outcome != "restored":
                outcome = "changed"
                diff = self._diff(current, page)
                self._alert("changed", {**current, **row}, page.fetched_at, crawl_id, diff)
        if outcome == "restored":
            self._alert("restored", {**current, **row}, page.fetched_at, crawl_id)
        self._update("articles", current["id"], row)
        return outcome

    @staticmethod
    def _diff(current: dict, page: PageRecord) -> str:
        parts = []
        if (current["title"] or "") != (page.title or ""):
            parts.append("العنوان: " + word_diff(current["title"] or "", page.title or ""))
        text = word_diff(current["text"] or "", page.text or "")
        if text:
            parts.append(text)
        return "\n".join(parts)

    def _index(self, article_id: int, title: str | None, text: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO articles_search (article_id, title, text) VALUES (?, ?, ?)",
                        [article_id, search_text(title or ""), search_text(text or "")])

    def _version(self, article_id: int, page: PageRecord) -> None:
        self._insert("versions", {
            "article_id": article_id, "fetched_at": page.fetched_at, "content_hash": page.content_hash,
            "title": page.title, "text": page.text,
            "html_gz": zlib.compress(page.html.encode("utf-8"), 6) if page.html else None,
        })

    def _alert(self, kind: str, article: dict, when: str, crawl_id: int | None, diff: str | None = None) -> None:
        self._insert("alerts", {"kind": kind, "article_id": article["id"], "site": article["site"],
                                "url": article["url"], "title": article["title"], "created_at": when,
                                "crawl_id": crawl_id, "diff": diff})

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

    def replace_extraction(self, article_id: int, version_id: int, page: PageRecord) -> bool:
        """Rewrite an article's extracted fields (and its newest version's text) after
        extraction improved. Not an edit of the article: no version, no alert.

        Compare-and-set on the version: if a crawl stored a newer version since `version_id`
        was read, nothing is written and False comes back (the newer version is the article now;
        re-extracting the older one would put stale text back, which the next crawl would not
        repair, its page answering 304)."""
        columns = _extracted_columns(page)
        with self.transaction():
            newest = self.db.execute("SELECT max(id) FROM versions WHERE article_id = ?", [article_id]).fetchone()[0]
            if newest != version_id:
                return False
            self.db["articles"].update(article_id, columns)
            self._index(article_id, page.title, page.text)
            self.db["versions"].update(version_id, {k: columns[k] for k in ("title", "text", "content_hash")})
            return True

    def search(self, query: str, site: str | None = None, since: str | None = None,
               limit: int = 50) -> list[dict]:
        """Articles matching `query` (see extract.arabic.search_query), newest first.
        `since` is an ISO date or instant compared with published_at (first_seen when unknown)."""
        match = search_query(query)
        if not match:
            raise ValueError(f"query {query!r} has no words to search for")
        where, params = ["articles_search_fts MATCH :match"], {"match": match, "limit": limit}
        if site:
            where.append("a.site = :site")
            params["site"] = site
        if since:
            where.append("coalesce(a.published_at, a.first_seen) >= :since")
            params["since"] = since
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
            "AND f.status NOT IN ('ok', 'running', 'stopped')) AS failed_24h "
            "FROM sites s LEFT JOIN crawls c ON c.id = (SELECT max(id) FROM crawls WHERE site = s.key) "
            "ORDER BY s.key", {"day": day_ago}))

    def scheduled_runs(self, table: str = "scheduler_jobs") -> dict[str, datetime | None]:
        """site -> next run of its crawl job in the daemon's schedule (APScheduler's job table,
        kept in this store); None for a paused job. Sites without a job are absent."""
        if table not in self.db.table_names():
            return {}
        return {row[0].split(":", 1)[1]: datetime.fromtimestamp(row[1], UTC) if row[1] is not None else None
                for row in self.db.execute(f"SELECT id, next_run_time FROM {table} WHERE id LIKE 'crawl:%'")}

    def crawl_summary(self, after_crawl_id: int) -> list[dict]:
        """Per-site figures of the crawls with id > after_crawl_id, with the site's live articles."""
        return list(self.db.query(
            "SELECT c.site, c.pages, c.new, c.changed, c.removed, c.restored, c.not_modified, c.errors, c.status, "
            "(SELECT count(*) FROM articles a WHERE a.site = c.site AND a.status = 'live') AS articles "
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

