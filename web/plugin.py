"""Rasid's Datasette plugin (registered as the `datasette` entry point `rasid`).

- `rasid_query(text)`: the SQL function the search canned query uses, so a
  search typed in the browser is folded exactly like the index
  (extract.arabic.search_query): الكاظمى finds الكاظمي, امن finds أمن.
- `rasid_evidence`, `rasid_vouched`, `rasid_times`, `rasid_claims_earlier`: who published first on
  evidence (monitor.reprints), for the first_to_publish and who_copies_whom queries.
- URLs show their Arabic slugs decoded; cells holding Arabic render right-to-left (dir="rtl", lang="ar"), keeping
  paragraph breaks; long texts scroll inside their cell.
- Memory held per request, not only per process: no value a query makes past VALUE_LIMIT
  (SQLITE_LIMIT_LENGTH), no query's rows past ROWS_LIMIT (counted as they are fetched), SQLite's
  heap capped for the whole process (HEAP_LIMIT); a query refused so gets Datasette's own error
  page (400), never a 500.
- Read-only at the door: any request other than GET, HEAD or OPTIONS is
  answered 405 before Datasette sees it, whatever plugins or settings allow.
- The newsroom pages (web/views.py over web/reads.py, web/templates): the home page, `/-/article/<id>` with its
  versions and highlighted edits, `/-/article/<id>/version/<v>.html` (the raw page, as a
  download), `/-/search`, `/-/frontpage/<site>` (what led its front page, hour by hour, for a day),
  and `/-/alerts.atom` (the alerts_feed query as an Atom feed: `render_atom`).
- Cells: titles link to their article page, long texts are cut with a link to it, word diffs
  are coloured, times are shown in the site's zone (UTC on hover).
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from datetime import UTC, datetime
from urllib.parse import unquote, urlencode

from datasette import Response, hookimpl
from markupsafe import Markup, escape

from extract import instants
from extract.arabic import QueryError, is_mostly_arabic, search_query
from monitor.reprints import Member, claims_earlier, evidence, times_text, utc_text
from web import reads, render, views


def rasid_query(text: str | None) -> str:
    """search_query for the browser: a query with nothing to find (empty, only quotes or
    only exclusions) matches no row — the page shows its empty form, not an FTS5 error."""
    try:
        return search_query(text or "") or '""'
    except QueryError:
        return '""'


# Memory, per request and per process. Datasette's time limit stops no query that is quick and
# large (a concatenation of zeroblobs, a few concurrent randomblobs: gigabytes; RELIABILITY.md),
# and a process-wide heap cap alone fails the other queries under way with SQLITE_NOMEM, which
# Python raises as MemoryError: a 500.
# - VALUE_LIMIT: the largest string or blob a query may make (SQLITE_LIMIT_LENGTH, per connection;
#   values stored are still read whole: a kept page is at most 10 MB). Past it SQLite refuses the
#   value before allocating it ("string or blob too big").
# - ROWS_LIMIT: the values one query's rows may hold, all told, counted as Datasette fetches them
#   (up to max_returned_rows, 1,000 rows of 10 MB each otherwise); JSON makes about four times as
#   much of them (base64 blobs, escaped Arabic).
# - HEAP_LIMIT: SQLite's memory for the whole process (PRAGMA hard_heap_limit is process-wide).
VALUE_LIMIT = 16 * 2**20
ROWS_LIMIT = 16 * 2**20
HEAP_LIMIT = 256 * 2**20


def rasid_evidence(published_at: str | None, first_seen: str | None) -> str:
    """What Rasid makes of an article's claimed publication (monitor.reprints.evidence): verified,
    claimed or seen."""
    return evidence(Member(0, published_at, first_seen or "")).how


def rasid_vouched(published_at: str | None, first_seen: str | None) -> str | None:
    """The time Rasid vouches the article was out by, ISO in UTC (monitor.reprints.Evidence.vouched)."""
    return utc_text(evidence(Member(0, published_at, first_seen or "")).vouched)


def rasid_times(published_at: str | None, first_seen: str | None, zone: str | None) -> str:
    """An article's claimed and first-seen times side by side, as `rasid reprints` prints them."""
    return times_text(Member(0, published_at, first_seen or ""), zone)


def rasid_claims_earlier(source_published: str | None, source_seen: str | None, published_at: str | None,
                         first_seen: str | None) -> int:
    """1 when a reprint claims a publication before its source's that Rasid did not confirm."""
    return int(claims_earlier(Member(0, source_published, source_seen or ""), Member(1, published_at, first_seen or "")))


class _RowBudget:
    """A row factory: rows as the sqlite3.Row Datasette sets, the size of the values each cursor
    has fetched counted. Past ROWS_LIMIT the fetch fails as a value past SQLITE_LIMIT_LENGTH does
    (sqlite3.DataError), which Datasette answers with its error page. A connection serves one
    query at a time, so the count starts again with each new cursor."""

    def __init__(self):
        self.cursor, self.used = None, 0

    def __call__(self, cursor, row):
        if self.cursor is None or self.cursor() is not cursor:
            self.cursor, self.used = weakref.ref(cursor), 0
        self.used += sum(len(v) if isinstance(v, bytes) else len(v) * (1 if v.isascii() else 2)
                         if isinstance(v, str) else 8 for v in row)
        if self.used > ROWS_LIMIT:
            raise sqlite3.DataError(f"the rows of this query hold more than {ROWS_LIMIT // 2**20} MB: "
                                    "ask for fewer rows (_size, LIMIT) or fewer or shorter columns")
        return sqlite3.Row(cursor, row)


@hookimpl
def prepare_connection(conn):
    conn.create_function("rasid_query", 1, rasid_query, deterministic=True)
    # who published first, on evidence, for the canned queries (the rule and its tolerance are monitor.reprints')
    conn.create_function("rasid_evidence", 2, rasid_evidence, deterministic=True)
    conn.create_function("rasid_vouched", 2, rasid_vouched, deterministic=True)
    conn.create_function("rasid_times", 3, rasid_times, deterministic=True)
    conn.create_function("rasid_claims_earlier", 4, rasid_claims_earlier, deterministic=True)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT)
    conn.row_factory = _RowBudget()
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")


@hookimpl
def handle_exception(datasette, request, exception):
    """SQLite's heap cap reached (Python raises SQLITE_NOMEM as MemoryError): the query is
    refused with Datasette's own error page, as any query it cannot run, not a 500."""
    if not isinstance(exception, MemoryError):
        return None
    from datasette.handle_exception import handle_exception as datasette_error_page
    from datasette.views.base import DatasetteError

    refused = DatasetteError(f"this query needs more memory than the server gives a query "
                             f"({HEAP_LIMIT // 2**20} MB for SQLite in all): ask for less", title="Query too large",
                             status=400)
    return datasette_error_page(datasette=datasette, request=request, exception=refused)


READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] == "http" and scope["method"] not in READ_METHODS:
                body = b"Rasid serves this store read-only: only GET and HEAD requests are accepted.\n"
                await send({"type": "http.response.start", "status": 405,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"allow", b"GET, HEAD, OPTIONS")]})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return read_only

    return wrap


def _database(datasette):
    """The store: the one database `rasid serve` serves."""
    return datasette.get_database(next(name for name in datasette.databases if name != "_internal"))


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("rasid", "rasid.css")]


async def home_page(request, datasette):
    """The newsroom's front page, in place of Datasette's index: that one reads every table's columns,
    keys and search index on every request, for a list of tables this page does not show (the
    tables are a click away, at /<db>)."""
    db = _database(datasette)
    return Response.html(await datasette.render_template("index.html", {"home": await views.home(db),
                                                                        "db_name": db.name}, request=request))


async def article_page(request, datasette):
    article_id = int(request.url_vars["id"])
    compare = None
    if request.args.get("from", "").isdigit() and request.args.get("to", "").isdigit():
        compare = (int(request.args["from"]), int(request.args["to"]))
    db = _database(datasette)
    page = await views.article(db, article_id, compare)
    if page is None:
        return Response.html(await datasette.render_template("error.html", {"error": f"no article {article_id}",
                             "title": "Not found", "status": 404}, request=request), status=404)
    return Response.html(await datasette.render_template("article.html", {**page, "db_name": db.name},
                                                         request=request))


async def frontpage_page(request, datasette):
    db = _database(datasette)
    page = await views.front_timeline(db, request.url_vars["site"], request.args.get("day"), request.args.get("listing"))
    if page is None:
        return Response.html(await datasette.render_template(
            "error.html", {"error": f"no front page read for {request.url_vars['site']}", "title": "Not found",
                           "status": 404}, request=request), status=404)
    return Response.html(await datasette.render_template("frontpage.html", {**page, "db_name": db.name},
                                                         request=request))


async def version_download(request, datasette):
    article_id, version_id = int(request.url_vars["id"]), int(request.url_vars["version"])
    html = await views.version_html(_database(datasette), article_id, version_id)
    if html is None:
        return Response.text(f"no stored HTML for version {version_id} of article {article_id}\n", status=404)
    # an attachment, never rendered here: the page is the site's, scripts and all
    return Response(html, status=200, content_type="text/html; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="article-{article_id}-v{version_id}.html"',
                             "x-content-type-options": "nosniff"})


async def search_page(request, datasette):
    query, site = request.args.get("q", ""), request.args.get("site") or None
    db = _database(datasette)
    found = await views.search(db, query, site)
    return Response.html(await datasette.render_template(
        "search.html", {**found, "q": query, "site": site, "db_name": db.name}, request=request))


ATOM_COLUMNS = ("atom_id", "atom_updated", "atom_title")
NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # the Atom <updated> of what has no readable time (or no entry)


def _atom_time(value) -> datetime:
    moment = instants.instant(value)
    return moment.astimezone(UTC) if moment is not None else NO_TIME


def render_atom(datasette, request, columns, rows, database, table, query_name):
    """Any query with atom_id, atom_updated and atom_title (and atom_content, atom_link) as an Atom
    feed, through feedgen. Written here rather than taken from datasette-atom, which answers 500
    for a query with no row (max() of nothing: every filter of the alerts feed that matches no
    alert yet) and for any atom_updated that is not an aware timestamp; here an empty query is an
    empty feed and a time that cannot be read (extract.instants) is the epoch."""
    if not set(ATOM_COLUMNS) <= set(columns):
        return Response.text(f"an Atom feed needs the columns {', '.join(ATOM_COLUMNS)}\n", status=400)
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    queries = (datasette.metadata(database=database) or {}).get("queries") or {}
    feed.title((queries.get(query_name) or {}).get("title") or table or "Rasid")
    feed.updated(max((_atom_time(row["atom_updated"]) for row in rows), default=NO_TIME))
    for row in rows:
        entry = feed.add_entry(order="append")
        entry.id(str(row["atom_id"]))
        entry.title(str(row["atom_title"]))
        entry.updated(_atom_time(row["atom_updated"]))
        if "atom_content" in columns:
            entry.content(str(row["atom_content"] or ""), type="text")
        if "atom_link" in columns and row["atom_link"]:
            entry.link(href=str(row["atom_link"]))
    return Response(feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8")  # as datasette-atom: browsers show it


@hookimpl(trylast=True)  # called last, so this renderer of .atom replaces datasette-atom's where it is installed
def register_output_renderer(datasette):
    return {"extension": "atom", "render": render_atom,
            "can_render": lambda columns: set(ATOM_COLUMNS) <= set(columns)}


async def alerts_atom(request, datasette):
    args = {key: request.args.get(key, "") for key in ("site", "kind")}
    return Response.redirect(f"/{_database(datasette).name}/alerts_feed.atom?{urlencode(args)}")


@hookimpl
def register_routes():
    return [
        (r"^/$", home_page),
        (r"^/-/article/(?P<id>\d+)$", article_page),
        (r"^/-/article/(?P<id>\d+)/version/(?P<version>\d+)\.html$", version_download),
        (r"^/-/search$", search_page),
        (r"^/-/frontpage/(?P<site>[^/]+)$", frontpage_page),
        (r"^/-/alerts\.atom$", alerts_atom),
    ]


TIME_COLUMNS = {"published_at", "modified_at", "first_seen", "last_seen", "last_changed", "removed_at", "created_at",
                "fetched_at", "delivered_at", "started_at", "finished_at", "last_run", "last_crawl"}
_DIFF_PART = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.S)
_ZONES: dict[str, str] = {}  # site -> zone, read once per server (the site list does not change under it)


def _article_id(row, table) -> int | None:
    keys = row.keys()
    if "article_id" in keys:
        return row["article_id"]
    return row["id"] if table == "articles" and "id" in keys else None


def _diff_cell(value: str) -> Markup:
    """[-removed-] {+added+} (monitor.diff.word_diff) as coloured, struck-through HTML."""
    parts, last = [], 0
    for m in _DIFF_PART.finditer(value):
        parts.append(escape(value[last:m.start()]))
        if m.group(1) is not None:
            parts.append(Markup('<del class="rasid-del">{}</del>').format(m.group(1)))
        else:
            parts.append(Markup('<ins class="rasid-ins">{}</ins>').format(m.group(2)))
        last = m.end()
    parts.append(escape(value[last:]))
    return Markup('<div dir="rtl" lang="ar" class="rasid-ar rasid-diff">{}</div>').format(Markup("").join(parts))


async def _time_cell(value: str, row, datasette) -> Markup | None:
    if not _ZONES:
        _ZONES.update(await reads.zones(_database(datasette)))
    site = row["site"] if "site" in row.keys() else None
    if isinstance(site, dict):  # a foreign key Datasette has expanded: {"value": ..., "label": ...}
        site = site.get("value")
    shown = render.local_time(value, _ZONES.get(site))
    if shown is None or shown["local"] == value and "T" not in value:
        return None
    return Markup('<time dir="ltr" datetime="{}" title="{}">{}</time>').format(shown["iso"], shown["utc"], shown["local"])


@hookimpl
def render_cell(row, value, column, table, datasette):
    if not isinstance(value, str):
        return None
    article = _article_id(row, table)
    if column == "title" and article is not None:
        link = Markup('<a href="/-/article/{}" dir="auto" class="rasid-title">{}</a>').format(article, value)
        if is_mostly_arabic(value):
            return Markup('<div dir="rtl" lang="ar" class="rasid-ar" style="text-align:start">{}</div>').format(link)
        return link
    if column == "url" and value.startswith(("http://", "https://")):
        # Arabic slugs are percent-encoded in the store (as fetched); show them readable
        return Markup(f'<a href="{escape(value)}" dir="auto">{escape(unquote(value))}</a>')
    if column == "diff":
        return _diff_cell(value)
    if column in TIME_COLUMNS and len(value) > 10:
        return _time_cell(value, row, datasette)
    if not is_mostly_arabic(value[:400]):
        return None
    if len(value) > 300 and article is not None:  # the article page is where it is read
        cut = value[:280].rsplit(" ", 1)[0]
        return Markup('<div dir="rtl" lang="ar" class="rasid-ar">{} … <a href="/-/article/{}">المقال كاملا · '
                      "full article</a></div>").format(cut, article)
    # text-align: Datasette's stylesheet sets `td { text-align: left }`, which dir="rtl" alone does not undo
    style = "text-align:start;white-space:pre-line"
    if len(value) > 300:
        style += ";max-height:9em;overflow:auto"
    return Markup(f'<div dir="rtl" lang="ar" class="rasid-ar" style="{style}">{escape(value)}</div>')
