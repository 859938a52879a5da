"""Pages and articles made by hand for the store, monitor and alert tests (no HTML parsed)."""

from __future__ import annotations

from db.store import Store
from extract.dates import parse_date
from extract.model import Article, FetchedPage
from monitor.recorder import Recorder


def fetched(url: str, text: str | None = "نص الخبر الأول.", title: str | None = "عنوان", *, status: int = 200,
            at: str = "2026-01-01T10:00:00+00:00", site: str = "ina", published: str | None = None,
            author: str | None = None, section: str | None = None, estimated: bool = False,
            **fetch) -> FetchedPage:
    """A fetch of `url`: status 200 carries an Article of `title` and `text` (and its HTML), with
    its publication time (`estimated`: read relative to the fetch, or not from the page), author
    and section; a 304 or 404 none."""
    article = None
    if status == 200 and text is not None:
        article = Article(title=title, text=text, published=parse_date(published) if published else None,
                          author=author, section=section, published_estimated=estimated)
        fetch.setdefault("html", f"<p>{text}</p>")
    return FetchedPage(site=site, url=url, status=status, fetched_at=at, article=article, **fetch)


def record(store: Store, page: FetchedPage, crawl_id: int | None = None) -> str:
    return Recorder(store).record(page, crawl_id)
