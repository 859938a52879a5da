"""Rebuild every article's text and metadata from its stored raw HTML.

Extraction improves; pages do not come back. Each version keeps the page as
fetched (zlib-compressed), so a better extractor can be applied to the whole
store without refetching. A re-extraction is not an edit of the article: it
writes no version and raises no alert, and the next crawl compares against the
new content hash, so it does not flag every article as changed either. Articles whose text
changed get a new reprint signature and are placed in their stories again, and every story's
source is chosen again on evidence (index_reprints).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from db.store import Store, utc_now
from extract import instants
from extract.article import extract_page
from extract.model import FetchedPage
from monitor.site import Site
from monitor.stories import Stories


def reextract(store: Store, sites: dict[str, Site], site: str | None = None,
              progress: Callable[[str, str], None] | None = None) -> Counter[str]:
    """Re-extract the newest version of every article (of `site`, if given).

    Every article's extracted fields are rewritten. Counts: pages, changed (title
    or text differ from what was stored), unchanged, empty (no article found now: the stored fields are kept),
    unknown_site (the site is no longer in the site list: skipped), newer (a crawl wrote a newer version
    while this ran: left as the crawl wrote it)."""
    counts: Counter[str] = Counter()
    for article, html in store.latest_versions(site):
        counts["pages"] += 1
        entry = sites.get(article["site"])
        if entry is None:
            counts["unknown_site"] += 1
            continue
        # the stored date stands in for the feed's, which is not stored with the page; a stored fetch
        # time that is no instant (a store from before fetch times were checked) reads no relative date
        fetched = article["fetched_at"] if instants.instant(article["fetched_at"]) else None
        page = FetchedPage(site=article["site"], url=article["url"], status=200, fetched_at=fetched,
                           html=html, feed_published=article["published_at"])
        page.article = extract_page(page, hints=entry.hints, tz=entry.timezone)
        if page.article is None or not page.article.text:
            counts["empty"] += 1
            continue
        outcome = "unchanged" if page.article.content_hash == article["content_hash"] else "changed"
        if not store.replace_extraction(article["id"], article["version_id"], page.article):
            outcome = "newer"  # a crawl stored a newer version meanwhile: it stands
        counts[outcome] += 1
        if progress and outcome == "changed":
            progress(article["site"], article["url"])
    counts["indexed"] = index_reprints(store, fetched_at=utc_now())
    return counts


def index_reprints(store: Store, fetched_at: str) -> int:
    """Sign and place in their stories the articles whose text has no signature yet (a store
    from before reprints were tracked) or changed since (re-extracted): only those; the others'
    signatures are kept. Then every story's source is chosen again on evidence (a publication time
    read again can confirm a claim, or stop confirming one; a store from before stories were
    ordered on evidence is ordered so). One transaction an article, and a story. Raises no alert:
    nothing was published."""
    stories = Stories(store)
    rows = store.unsigned_articles()
    for row in rows:
        with store.transaction():
            stories.track(row["id"], row["text"] or "", row["content_hash"], fetched_at)
    for source_id in store.story_sources():
        with store.transaction():
            stories.reorder(source_id, fetched_at)
    return len(rows)
