"""`rasid serve`: the store in Datasette, with Rasid's metadata and canned queries.

Read-only by construction: Datasette opens the store with `?mode=ro`, accepts
only SELECT in its SQL box, and every canned query here is a read (none has
`write: true`). The store is in WAL mode, so the crawler writes while
Datasette reads, neither waiting on the other.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

# Canned queries: the questions people ask of a monitoring store every day.
QUERIES = {
    "latest": {
        "title": "آخر الأخبار · Latest articles",
        "description": "The 100 newest live articles of every site, newest first.",
        "sql": "SELECT published_at, site, title, url, section, author, id FROM articles "
               "WHERE status = 'live' ORDER BY coalesce(published_at, first_seen) DESC LIMIT 100",
    },
    "today": {
        "title": "جديد اليوم · New today",
        "description": "Articles first seen today (UTC), newest first.",
        "sql": "SELECT first_seen, published_at, site, title, url, id FROM articles "
               "WHERE first_seen >= strftime('%Y-%m-%d', 'now') ORDER BY first_seen DESC",
    },
    "edits": {
        "title": "تعديلات آخر 24 ساعة · Edits of the last 24 hours",
        "description": "Articles changed after publication, with the word diff: [-removed-] {+added+}.",
        "sql": "SELECT created_at, site, title, diff, url, article_id FROM alerts WHERE kind = 'changed' "
               "AND created_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-1 day') ORDER BY created_at DESC",
    },
    "alerts": {
        "title": "التنبيهات · Alerts",
        "description": "Every alert: new, changed, removed, restored; newest first.",
        "sql": "SELECT created_at, kind, site, title, diff, url, delivered_at, id FROM alerts "
               "ORDER BY id DESC LIMIT 500",
    },
    "site_health": {
        "title": "صحة المواقع · Site health",
        "description": "Each site's last crawl, its status and errors, and articles per day over the last 7 days.",
        "sql": "SELECT s.key AS site, s.name, c.started_at AS last_crawl, c.status, c.pages, c.errors, "
               "c.error_log, (SELECT count(*) FROM articles a WHERE a.site = s.key AND a.status = 'live') AS live, "
               "(SELECT count(*) FROM articles a WHERE a.site = s.key AND a.status = 'removed') AS removed, "
               "round((SELECT count(*) FROM articles a WHERE a.site = s.key "
               "AND a.first_seen >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days')) / 7.0, 1) AS per_day_7d "
               "FROM sites s LEFT JOIN crawls c ON c.id = (SELECT max(id) FROM crawls WHERE site = s.key) "
               "ORDER BY s.key",
    },
    "search": {
        "title": "بحث · Search",
        "description": "Full-text search over titles and texts. Hamza forms, alef maqsura, taa marbuta, "
                       "tatweel, diacritics and a fused definite article do not matter: الكاظمى finds "
                       "الكاظمي, امن finds أمن. \"Quoted words\" must be adjacent; OR accepts either side; "
                       "-word excludes; word* matches the words it begins.",
        "sql": "SELECT a.published_at, a.site, a.title, a.url, a.id FROM articles_search_fts f "
               "JOIN articles a ON a.id = f.rowid WHERE articles_search_fts MATCH rasid_query(:q) "
               "ORDER BY coalesce(a.published_at, a.first_seen) DESC LIMIT 200",
    },
}

TABLES = {
    "articles": {
        "description": "مقال لكل رابط، بآخر نص له · One row per article URL, with its latest text as published.",
        "sort_desc": "published_at",
        "facets": ["site", "section", "status", {"date": "published_at"}],
        "label_column": "title",
        "columns": {
            "url": "الرابط · canonical URL on the live site",
            "site": "الموقع · site key (seeds/sites.toml)",
            "title": "العنوان · headline, without the site name",
            "text": "النص · article text; paragraphs separated by blank lines",
            "published_at": "تاريخ النشر · publication time, ISO 8601 with offset",
            "published_precision": "دقة التاريخ · year, month, day, minute or second",
            "modified_at": "تاريخ التعديل · modification time the page declares",
            "author": "الكاتب · author or byline",
            "section": "القسم · section",
            "tags": "الوسوم · tags (JSON list)",
            "first_seen": "أول رصد · when Rasid first fetched it (UTC)",
            "last_seen": "آخر رصد · last fetch (UTC)",
            "last_changed": "آخر تغيير · last time its title or text changed",
            "status": "الحالة · live or removed",
            "versions": "النسخ · number of distinct versions",
        },
    },
    "versions": {
        "description": "كل نسخة مختلفة من كل مقال · Every distinct version of every article, with its raw HTML "
                       "(zlib) for re-extraction.",
        "sort_desc": "fetched_at",
        "columns": {"html_gz": "الصفحة الخام · raw HTML as fetched, zlib-compressed"},
    },
    "alerts": {
        "description": "التنبيهات · new, changed (with a word diff), removed and restored articles.",
        "sort_desc": "created_at",
        "facets": ["kind", "site"],
        "columns": {"diff": "الفرق · [-removed words-] {+added words+}", "kind": "النوع · new, changed, removed, "
                            "restored"},
    },
    "crawls": {
        "description": "الزحف · one row per crawl of a site: counts, status and error lines.",
        "sort_desc": "started_at",
        "facets": ["site", "status"],
    },
    "sites": {"description": "المواقع · the monitored sites."},
    "articles_search": {"hidden": True},
}


def metadata(database: str) -> dict:
    """Datasette metadata for a store served under the name `database`."""
    return {
        "title": "راصد · Rasid",
        "description": "ما نشرته مواقع الأخبار العربية وما عدلته بعد النشر · What Arabic news sites published, "
                       "and what they edited afterwards.",
        "databases": {database: {"tables": TABLES, "queries": QUERIES}},
    }


def serve(db_path: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette on the store until interrupted."""
    from datasette import cli

    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="rasid-datasette-", delete=False,
                                     encoding="utf-8") as f:
        json.dump(metadata(db_path.stem), f, ensure_ascii=False)
    with_metadata = Path(f.name)
    try:
        cli.serve.main(args=[str(db_path), "--metadata", str(with_metadata), "--host", host, "--port", str(port),
                             "--setting", "default_page_size", "50", "--setting", "sql_time_limit_ms", "3000"],
                       prog_name="rasid serve", standalone_mode=True)
    finally:
        with_metadata.unlink(missing_ok=True)
