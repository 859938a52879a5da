"""Rasid's Datasette plugin (registered as the `datasette` entry point `rasid`).

- `rasid_query(text)`: the SQL function the search canned query uses, so a
  search typed in the browser is folded exactly like the index
  (extract.arabic.search_query): الكاظمى finds الكاظمي, امن finds أمن.
- URLs show their Arabic slugs decoded; cells holding Arabic render right-to-left (dir="rtl", lang="ar"), keeping
  paragraph breaks; long texts scroll inside their cell.
- SQLite's heap capped for the serving process (HEAP_LIMIT), so one query cannot exhaust memory.
- Read-only at the door: any request other than GET, HEAD or OPTIONS is
  answered 405 before Datasette sees it, whatever plugins or settings allow.
"""

from __future__ import annotations

from urllib.parse import unquote

from datasette import hookimpl
from markupsafe import Markup, escape

from extract.arabic import QueryError, is_mostly_arabic, search_query


def rasid_query(text: str | None) -> str:
    """search_query for the browser: a query with nothing to find (empty, only quotes or
    only exclusions) matches no row — the page shows its empty form, not an FTS5 error."""
    try:
        return search_query(text or "") or '""'
    except QueryError:
        return '""'


# SQLite's memory for the whole `rasid serve` process (PRAGMA hard_heap_limit is process-wide):
# Datasette's time limit does not stop a query like zeroblob(900000000) || zeroblob(900000000),
# which took the server to 1.9 GB; past this cap the query fails with "out of memory" instead.
HEAP_LIMIT = 256 * 2**20


@hookimpl
def prepare_connection(conn):
    conn.create_function("rasid_query", 1, rasid_query, deterministic=True)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT}")


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


@hookimpl
def render_cell(value, column):
    if not isinstance(value, str):
        return None
    if column == "url" and value.startswith(("http://", "https://")):
        # Arabic slugs are percent-encoded in the store (as fetched); show them readable
        return Markup(f'<a href="{escape(value)}" dir="auto">{escape(unquote(value))}</a>')
    if not is_mostly_arabic(value[:400]):
        return None
    # text-align: Datasette's stylesheet sets `td { text-align: left }`, which dir="rtl" alone does not undo
    style = "text-align:start;white-space:pre-line"
    if len(value) > 300:
        style += ";max-height:9em;overflow:auto"
    return Markup(f'<div dir="rtl" lang="ar" class="rasid-ar" style="{style}">{escape(value)}</div>')
