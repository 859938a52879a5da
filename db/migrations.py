"""The store's schema, as sqlite-utils migrations: each change of the schema one function, applied
once per store and recorded in its `_sqlite_migrations` table, which is what is read to know what a
store still needs (the PRAGMA user_version earlier Rasids wrote is no longer read or written).

Stores made before migrations were recorded already hold some of these tables and columns, so
each step creates only what is missing. A store that records a migration this Rasid does not
know was written by a newer Rasid and is refused (store.Store), not half-understood.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from extract.arabic import INVISIBLE, search_text
from extract.model import content_hash

migrations = Migrations("rasid")
NAMES: list[str] = []  # the migrations this Rasid has, in order


def migration(fn):
    NAMES.append(fn.__name__)
    return migrations()(fn)


def _add(db: Database, table: str, column: str, kind) -> None:
    if column not in db[table].columns_dict:
        db[table].add_column(column, kind)


@migration
def m001_tables(db: Database) -> None:
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
        counts = ("pages", "new", "changed", "unchanged", "not_modified", "removed", "restored", "errors")
        db["crawls"].create({
            "id": int, "site": str, "started_at": str, "finished_at": str, "status": str,
            **dict.fromkeys(counts, int), "error_log": str,
        }, pk="id", foreign_keys=[("site", "sites", "key")], defaults=dict.fromkeys(counts, 0))
        db["crawls"].create_index(["site", "started_at"])
    if "alerts" not in db.table_names():
        db["alerts"].create({
            "id": int, "kind": str, "article_id": int, "site": str, "url": str, "title": str,
            "created_at": str, "crawl_id": int, "diff": str, "delivered_at": str,
        }, pk="id", foreign_keys=[("article_id", "articles", "id"), ("crawl_id", "crawls", "id")])
        db["alerts"].create_index(["created_at"])


@migration
def m002_body_hash(db: Database) -> None:
    _add(db, "articles", "body_hash", str)  # of the raw response: the same body is not extracted again


@migration
def m003_crawl_pid(db: Database) -> None:
    _add(db, "crawls", "pid", int)  # the crawl's process, to tell a dead crawl from a running one


@migration
def m004_outbox(db: Database) -> None:
    _add(db, "alerts", "delivery", str)  # delivered, filtered (by watch rules), no_channels
    if "deliveries" not in db.table_names():
        db["deliveries"].create({
            "alert_id": int, "channel": str, "attempts": int, "next_attempt_at": str, "delivered_at": str,
            "last_error": str,
        }, pk=("alert_id", "channel"), foreign_keys=[("alert_id", "alerts", "id")], defaults={"attempts": 0})


@migration
def m005_search(db: Database) -> None:
    if "articles_search" in db.table_names():
        return
    db["articles_search"].create({"article_id": int, "title": str, "text": str}, pk="article_id")
    # FTS5 through sqlite-utils: its triggers keep the index in step with articles_search.
    db["articles_search"].enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61")
    for row in db.query("SELECT id, title, text FROM articles"):  # a store from before search
        db.execute("INSERT INTO articles_search (article_id, title, text) VALUES (?, ?, ?)",
                   [row["id"], search_text(row["title"] or ""), search_text(row["text"] or "")])


@migration
def m006_modified_precision(db: Database) -> None:
    _add(db, "articles", "modified_precision", str)  # every date of extract.model.Article keeps its precision


@migration
def m007_not_articles(db: Database) -> None:
    # pages of sites without article_patterns that their own signals said are not articles: not
    # fetched again (a section or tag page stays one)
    if "not_articles" not in db.table_names():
        db["not_articles"].create({"url": str, "site": str, "first_seen": str, "evidence": str}, pk="url",
                                  foreign_keys=[("site", "sites", "key")])
    if "not_article" not in db["crawls"].columns_dict:  # a crawl's count of them, as of each outcome
        db["crawls"].add_column("not_article", int, not_null_default=0)


@migration
def m008_reprints(db: Database) -> None:
    # each article's MinHash signature (monitor.reprints), kept so a restart or a re-extraction
    # recomputes only what changed; content_hash says which text it was computed from
    if "signatures" not in db.table_names():
        db["signatures"].create({"article_id": int, "shingles": int, "minhash": bytes, "content_hash": str},
                                pk="article_id", foreign_keys=[("article_id", "articles", "id")])
    # the LSH index: one row per band key of each signature. WITHOUT ROWID, keyed by (key, article),
    # so a lookup is one index range per band and a row costs no second b-tree (~850 bytes an article)
    db.execute("CREATE TABLE IF NOT EXISTS reprint_bands (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
               "PRIMARY KEY (key, article_id)) WITHOUT ROWID")
    if "reprints" not in db.table_names():
        db["reprints"].create({
            "article_id": int, "source_id": int, "similarity": float, "jaccard": float, "kind": str,
            "delay_seconds": int, "found_at": str,
        }, pk="article_id", foreign_keys=[("article_id", "articles", "id"), ("source_id", "articles", "id")])
        db["reprints"].create_index(["source_id"])


@migration
def m009_fetch_headers(db: Database) -> None:
    # what each version's fetch answered, for honest WARC records (rasid export warc): its status
    # and the headers that matter; a version stored before this is exported as a 200 of text/html
    # and the date the feed or sitemap gave, which the page's extraction read (for a page without its own)
    for column, kind in (("status", int), ("content_type", str), ("etag", str), ("last_modified", str),
                         ("feed_date", str)):
        _add(db, "versions", column, kind)
    _add(db, "articles", "removed_status", int)  # the 404 or 410 that said the article is gone


@migration
def m010_stream_marks(db: Database) -> None:
    # cluster mode (crawler/cluster/writer.py): the last entry of each Redis stream whose page is committed,
    # written in that page's transaction, so an entry delivered again after a crash is skipped
    if "stream_marks" not in db.table_names():
        db["stream_marks"].create({"stream": str, "last_id": str, "updated_at": str}, pk="stream")


@migration
def m011_claims(db: Database) -> None:
    # a publication or modification date a page claimed later than Rasid's fetch of it: not the
    # article's date, kept as the page wrote it (extract.model.Article, extract.instants)
    _add(db, "articles", "published_refused", str)
    _add(db, "articles", "modified_refused", str)


@migration
def m012_metadata_edits(db: Database) -> None:
    # a publication time Rasid estimated (relative to the fetch, the feed's, a guess from the text)
    # is never compared as an edit; NULL: stored before Rasid knew, compared once it does
    _add(db, "articles", "published_estimated", int)
    # each version keeps what its page said (publication time, author, section) and what moved from
    # the version before; an alert the moved lines alone (its diff has them and the word diff)
    for column in ("published_at", "published_precision", "author", "section", "moved"):
        _add(db, "versions", column, str)
    _add(db, "alerts", "moved", str)
    # the newest version is what the article row says (earlier versions' metadata was not kept)
    db.execute("UPDATE versions SET (published_at, published_precision, author, section) = "
               "(SELECT published_at, published_precision, author, section FROM articles WHERE articles.id = "
               "versions.article_id) WHERE published_at IS NULL AND author IS NULL AND section IS NULL AND id IN "
               "(SELECT max(id) FROM versions GROUP BY article_id)")
    # content hashes no longer see the characters no reader sees (extract.arabic.INVISIBLE): texts that
    # hold one are hashed again, so their next fetch is not taken for an edit, and their search rows
    # are folded again (search drops them now)
    db.conn.create_function("rasid_invisible", 1, lambda value: bool(value) and not INVISIBLE.isdisjoint(value),
                            deterministic=True)
    where = "WHERE rasid_invisible(title) OR rasid_invisible(text)"  # ids first: one text in memory at a time
    for (article_id,) in db.execute(f"SELECT id FROM articles {where}").fetchall():
        title, text, old_hash = db.execute("SELECT title, text, content_hash FROM articles WHERE id = ?",
                                           [article_id]).fetchone()
        new_hash = content_hash(title or "", text or "")
        db.execute("UPDATE articles SET content_hash = ? WHERE id = ?", [new_hash, article_id])
        db.execute("UPDATE signatures SET content_hash = ? WHERE article_id = ? AND content_hash = ?",
                   [new_hash, article_id, old_hash])
        db.execute("UPDATE articles_search SET title = ?, text = ? WHERE article_id = ?",
                   [search_text(title or ""), search_text(text or ""), article_id])
    for (version_id,) in db.execute(f"SELECT id FROM versions {where}").fetchall():
        title, text = db.execute("SELECT title, text FROM versions WHERE id = ?", [version_id]).fetchone()
        db.execute("UPDATE versions SET content_hash = ? WHERE id = ?", [content_hash(title or "", text or ""),
                                                                         version_id])

@migration
def m013_placements(db: Database) -> None:
    # front pages (monitor/frontpage.py): each listing page of a site, with what its last fetch
    # answered, and each placement (an article in a block of it) from the reading it appeared in to
    # the one it moved or left in: only changes are rows. `rank` sorts as the page did; positions at
    # a moment are the order of the ranks open then. Article URLs are kept once (front_links): a
    # placement row is small, most of it its teaser.
    if "listings" not in db.table_names():
        db["listings"].create({
            "id": int, "site": str, "path": str, "url": str, "etag": str, "last_modified": str, "body_hash": str,
            "first_read": str, "last_read": str, "last_changed": str, "reads": int,
        }, pk="id", foreign_keys=[("site", "sites", "key")], defaults={"reads": 0})
        db["listings"].create_index(["site", "path"], unique=True)
    if "front_links" not in db.table_names():
        db["front_links"].create({"id": int, "url": str}, pk="id", not_null={"url"})
        db["front_links"].create_index(["url"], unique=True)
    if "placements" not in db.table_names():
        db["placements"].create({
            "id": int, "listing_id": int, "link_id": int, "block": str, "kind": str, "rank": str, "position": int,
            "block_position": int, "teaser": str, "appeared_at": str, "opened_at": str, "closed_at": str,
            "closed_as": str, "crawl_id": int, "closed_crawl_id": int,
        }, pk="id", foreign_keys=[("listing_id", "listings", "id"), ("link_id", "front_links", "id")],
            not_null={"listing_id", "link_id", "rank", "opened_at"})
        db["placements"].create_index(["link_id"])
        db["placements"].create_index(["listing_id", "opened_at"])
        db.execute("CREATE INDEX IF NOT EXISTS placements_open ON placements (listing_id, rank) WHERE closed_at IS NULL")


@migration
def m014_speed(db: Database) -> None:
    # the LSH keys of the articles signed last, merged into reprint_bands in key order every
    # store.RECENT_BANDS rows: 32 random keys an article written into a B-tree of millions of rows
    # dirtied 32 pages a page; here they share the pages of a small tree (BENCHMARKS.md, the store)
    db.execute("CREATE TABLE IF NOT EXISTS reprint_bands_recent (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
               "PRIMARY KEY (key, article_id)) WITHOUT ROWID")
    # the home page (web/reads.py) reads what it shows of the articles without counting them: new
    # articles per site and day of first sight, and articles per status, kept by triggers in every
    # transaction that writes an article (a crawl, an import, a re-extraction, a hand-made row
    # alike); the newest live articles and the edits per day from indexes. Counting 100,000 articles
    # made it ten times the cost of any other page (BENCHMARKS.md)
    for statement in (
        """CREATE TABLE IF NOT EXISTS articles_per_day (site TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (site, day)) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS articles_per_status (status TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL)
            WITHOUT ROWID""",
        """CREATE TRIGGER IF NOT EXISTS articles_counted AFTER INSERT ON articles BEGIN
            INSERT INTO articles_per_day VALUES (coalesce(new.site, ''), coalesce(substr(new.first_seen, 1, 10), ''), 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
            INSERT INTO articles_per_status VALUES (coalesce(new.status, ''), 1) ON CONFLICT DO UPDATE SET n = n + 1;
        END""",
        """CREATE TRIGGER IF NOT EXISTS articles_uncounted AFTER DELETE ON articles BEGIN
            UPDATE articles_per_day SET n = n - 1
                WHERE site = coalesce(old.site, '') AND day = coalesce(substr(old.first_seen, 1, 10), '');
            UPDATE articles_per_status SET n = n - 1 WHERE status = coalesce(old.status, '');
        END""",
        """CREATE TRIGGER IF NOT EXISTS articles_recounted_day AFTER UPDATE OF site, first_seen ON articles
            WHEN old.site IS NOT new.site OR substr(old.first_seen, 1, 10) IS NOT substr(new.first_seen, 1, 10) BEGIN
            UPDATE articles_per_day SET n = n - 1
                WHERE site = coalesce(old.site, '') AND day = coalesce(substr(old.first_seen, 1, 10), '');
            INSERT INTO articles_per_day VALUES (coalesce(new.site, ''), coalesce(substr(new.first_seen, 1, 10), ''), 1)
                ON CONFLICT DO UPDATE SET n = n + 1;
        END""",
        """CREATE TRIGGER IF NOT EXISTS articles_recounted_status AFTER UPDATE OF status ON articles
            WHEN old.status IS NOT new.status BEGIN
            UPDATE articles_per_status SET n = n - 1 WHERE status = coalesce(old.status, '');
            INSERT INTO articles_per_status VALUES (coalesce(new.status, ''), 1) ON CONFLICT DO UPDATE SET n = n + 1;
        END""",
        """DELETE FROM articles_per_day""",
        """INSERT INTO articles_per_day SELECT coalesce(site, ''), coalesce(substr(first_seen, 1, 10), ''), count(*)
            FROM articles GROUP BY 1, 2""",
        """DELETE FROM articles_per_status""",
        """INSERT INTO articles_per_status SELECT coalesce(status, ''), count(*) FROM articles GROUP BY 1""",
        """CREATE INDEX IF NOT EXISTS articles_status_newest ON articles (status, coalesce(published_at, first_seen))""",
        """CREATE INDEX IF NOT EXISTS alerts_kind_created ON alerts (kind, created_at)""",
    ):  # one by one: executescript would commit the migration's transaction first
        db.execute(statement)


def unknown(db: Database) -> list[str]:
    """Migrations the store records that this Rasid does not have (a newer Rasid wrote it)."""
    return [m.name for m in migrations.applied(db) if m.name not in NAMES]
