"""Every read the newsroom pages make of the store, as SQL, through Datasette's read-only
connections (SELECT only; nothing here writes). The crawl and the commands read and write through
db/store.py; the web view reads here, and its canned queries are in web/metadata.yml. What the rows
become on a page is web/views.py's."""

from __future__ import annotations


async def rows(db, sql: str, params=None) -> list[dict]:
    return [dict(row) for row in (await db.execute(sql, params or {})).rows]


async def zones(db) -> dict[str, str]:
    """site key -> its IANA zone."""
    return {row["key"]: row["timezone"] for row in await rows(db, "SELECT key, timezone FROM sites")}


async def new_per_site_and_day(db, since: str) -> list[dict]:
    """site, day (of first sight), n: articles first seen since `since` (kept per day by the store)."""
    return await rows(db, "SELECT site, day, n FROM articles_per_day WHERE day >= :since AND n > 0", {"since": since})


async def edits_per_day(db, since: str) -> list[dict]:
    """day, n: `changed` alerts since `since`."""
    return await rows(db, "SELECT substr(created_at, 1, 10) AS day, count(*) AS n FROM alerts "
                          "WHERE kind = 'changed' AND created_at >= :since GROUP BY day", {"since": since})


async def counts(db, today: str) -> dict:
    """live and removed articles, today's edits, sites, stories."""
    return (await rows(db, "SELECT (SELECT coalesce(sum(n), 0) FROM articles_per_status WHERE status = 'live') AS live, "
                           "(SELECT coalesce(sum(n), 0) FROM articles_per_status WHERE status = 'removed') AS removed, "
                           "(SELECT count(*) FROM alerts WHERE kind = 'changed' AND created_at >= :today) AS edits, "
                           "(SELECT count(*) FROM sites) AS sites, "
                           "(SELECT count(DISTINCT source_id) FROM reprints) AS stories", {"today": today}))[0]


async def latest(db, limit: int = 8) -> list[dict]:
    """The newest live articles, by publication (else first sight)."""
    return await rows(db, "SELECT id, site, title, published_at, first_seen FROM articles WHERE status = 'live' "
                          "ORDER BY coalesce(published_at, first_seen) DESC LIMIT :limit", {"limit": limit})


async def latest_edits(db, limit: int = 8) -> list[dict]:
    return await rows(db, "SELECT article_id, site, title, created_at FROM alerts WHERE kind = 'changed' "
                          "ORDER BY id DESC LIMIT :limit", {"limit": limit})


async def article(db, article_id: int) -> dict | None:
    """The article's row, with its site's name and zone."""
    found = await rows(db, "SELECT a.*, s.name AS site_name, s.timezone FROM articles a "
                           "JOIN sites s ON s.key = a.site WHERE a.id = :id", {"id": article_id})
    return found[0] if found else None


async def versions(db, article_id: int) -> list[dict]:
    """The article's versions, oldest first (without their HTML)."""
    return await rows(db, "SELECT id, fetched_at, title, text, html_gz IS NOT NULL AS has_html, moved FROM versions "
                          "WHERE article_id = :id ORDER BY id", {"id": article_id})


async def alerts(db, article_id: int) -> list[dict]:
    return await rows(db, "SELECT kind, created_at FROM alerts WHERE article_id = :id ORDER BY id", {"id": article_id})


_STORY = ("SELECT a.id, a.site, a.title, a.published_at, a.first_seen, s.timezone, r.kind, r.similarity, "
          "r.delay_seconds FROM reprints r JOIN articles a ON a.id = r.{side} JOIN sites s ON s.key = a.site "
          "WHERE r.{key} = :id ORDER BY r.delay_seconds, a.id")


async def source_of(db, article_id: int) -> list[dict]:
    """The article its text was taken from (none, or one), with the reprint's figures."""
    return await rows(db, _STORY.format(side="source_id", key="article_id"), {"id": article_id})


async def reprints_of(db, article_id: int) -> list[dict]:
    """The articles that took its text, each with the reprint's figures."""
    return await rows(db, _STORY.format(side="article_id", key="source_id"), {"id": article_id})


async def version_html(db, article_id: int, version_id: int) -> bytes | None:
    """One version's page as stored (zlib-compressed), if the version is the article's and kept it."""
    found = await rows(db, "SELECT html_gz FROM versions WHERE id = :v AND article_id = :a AND html_gz IS NOT NULL",
                       {"v": version_id, "a": article_id})
    return found[0]["html_gz"] if found else None


async def matching(db, match: str, site: str | None, limit: int) -> list[dict]:
    """Articles whose folded text matches the FTS expression `match` (of `site`), newest first."""
    where = "articles_search_fts MATCH :match" + (" AND a.site = :site" if site else "")
    return await rows(db, "SELECT a.id, a.site, a.title, a.text, a.published_at, a.first_seen, a.status "
                          "FROM articles_search_fts JOIN articles a ON a.id = articles_search_fts.rowid "
                          f"WHERE {where} ORDER BY coalesce(a.published_at, a.first_seen) DESC LIMIT :limit",
                      {"match": match, "site": site, "limit": limit})


# --- front pages (a store from before them has none of these tables: read as empty) -----------


async def front_sites(db) -> list[str]:
    """The sites whose listing pages were read."""
    if "listings" not in await db.table_names():
        return []
    return [r["site"] for r in await rows(db, "SELECT DISTINCT site FROM listings ORDER BY site")]


async def placements_of(db, url: str) -> list[dict]:
    """Every placement the article at `url` had on any listing page, oldest first."""
    if "placements" not in await db.table_names():
        return []
    return await rows(db, "SELECT p.id, p.listing_id, l.path AS listing, l.site, p.block, p.kind, p.rank, p.teaser, "
                          "p.position, p.block_position, p.opened_at, p.closed_at, p.closed_as, p.appeared_at "
                          "FROM placements p JOIN listings l ON l.id = p.listing_id "
                          "JOIN front_links f ON f.id = p.link_id WHERE f.url = :url ORDER BY p.opened_at, p.id",
                      {"url": url})


async def placements_between(db, listing_id: int, start: str, end: str | None) -> list[dict]:
    """The listing's placements open at some moment between `start` and `end` (None: now)."""
    return await rows(db, "SELECT id, rank, block, opened_at, closed_at FROM placements WHERE listing_id = :listing "
                          "AND (:end IS NULL OR opened_at < :end) AND (closed_at IS NULL OR closed_at > :start)",
                      {"listing": listing_id, "start": start, "end": end})


async def listings(db, site: str, path: str | None) -> list[dict]:
    """The site's listing pages with its zone and name, `path`'s first."""
    if "listings" not in await db.table_names():
        return []
    return await rows(db, "SELECT l.*, s.timezone, s.name FROM listings l JOIN sites s ON s.key = l.site "
                          "WHERE l.site = :site ORDER BY (l.path = :path) DESC, l.id", {"site": site, "path": path})


async def leads_between(db, listing_id: int, lo: str, hi: str) -> list[dict]:
    """The listing's lead placements open at some moment between `lo` and `hi`, with their articles."""
    return await rows(db, "SELECT p.id, p.rank, p.teaser, p.opened_at, p.closed_at, f.url, a.id AS article_id, "
                          "a.title FROM placements p JOIN front_links f ON f.id = p.link_id "
                          "LEFT JOIN articles a ON a.url = f.url WHERE p.listing_id = :listing AND p.kind = 'lead' "
                          "AND p.opened_at < :hi AND (p.closed_at IS NULL OR p.closed_at > :lo)",
                      {"listing": listing_id, "lo": lo, "hi": hi})
