"""A fetched page of a site, extracted and made into the record the store takes. No Scrapy here:
the crawl's pipelines and `rasid reextract` (an offline command) both go through these two."""

from __future__ import annotations

from crawler.config import Site
from db.store import PageRecord
from extract.article import extract_article


def extract_page(site: Site, html: str, url: str, fetched_at: str, feed_published: str | None = None) -> dict | None:
    """extract.article on one page of `site`, as the dict the store takes (with content_hash)."""
    article = extract_article(html, url, hints=site.hints, reference=fetched_at, tz=site.timezone,
                              feed_published=feed_published)
    if article is None:
        return None
    return {**article.as_dict(), "content_hash": article.content_hash()}


def page_record(extracted: dict, **fetch) -> PageRecord:
    """A PageRecord from extract_page's dict and what the fetch knew (url, site, status, ...)."""
    return PageRecord(
        title=extracted.get("title"), text=extracted.get("text"), published_at=extracted.get("published"),
        published_precision=extracted.get("published_precision"), modified_at=extracted.get("modified"),
        author=extracted.get("author"), section=extracted.get("section"), tags=extracted.get("tags"),
        image=extracted.get("image"), lang=extracted.get("lang"), content_hash=extracted.get("content_hash"),
        **fetch,
    )
