"""A fetch becomes stored state: read what the store holds, decide (monitor.changes), persist
(db.store), and place new text in its story (monitor.stories), in one transaction per page, so a
crawl killed at any moment leaves whole articles or none. The crawl's store pipeline, imports and benchmarks all record through here."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from db.store import Store
from extract.instants import instant
from extract.model import FetchedPage, ListingPage
from monitor import frontpage
from monitor.changes import decide
from monitor.stories import Stories


def no_article_text(page: FetchedPage, judge_pages: bool) -> bool:
    """A page that answered 200 and in which extraction found no article text: nothing to record,
    for a crawl, a cluster worker or an import alike. With `judge_pages` (a site without
    article_patterns) a page that is no article is recorded as such, text or not."""
    return page.status == 200 and not (page.article and (page.article.text or judge_pages))


class Recorder:
    """Records fetches into `store`. A 304 only refreshes an article's last sight and validators, so
    those are written TOUCH_BATCH at a time (and before any other page, and on flush): a revisit of
    an unchanged site is thousands of them, and a commit each would be much of its time. A crash
    loses at most a batch of refreshed sights, which the next crawl takes again; never an article."""

    TOUCH_BATCH = 200

    def __init__(self, store: Store):
        self.store = store
        self._baselines: set[str] = set()  # sites known to have one (a baseline never goes away)
        self._touches: list[FetchedPage] = []
        self.stories = Stories(store)

    def record(self, page: FetchedPage, crawl_id: int | None = None, judge_pages: bool = False,
               alerts: bool = True, newer_only: bool = False) -> str:
        """Record one fetch of an article URL; return its outcome (monitor.changes.OUTCOMES).
        A 304 of a live article is `not_modified` and written with the next batch (flush); one of a
        removed article is decided as any page (it is back: `restored`).
        `judge_pages`: the site has no article_patterns (see monitor.changes.decide). `alerts`
        False: the outcome is stored as it is, but raises no alert (an archive's history is not news).
        `newer_only`: pages may arrive out of the order they were fetched in (an archive, a cluster's
        workers): one not newer than the article's last sight adds nothing, `known` if one of its
        versions has that content, else `older` (versions are kept in the order seen)."""
        if page.status == 304 and self.store.is_live(page.url):
            self._touches.append(page)
            if len(self._touches) >= self.TOUCH_BATCH:
                self.flush()
            return "not_modified"
        with self.store.transaction():
            self._flush_touches()
            return self.record_here(page, crawl_id, judge_pages, alerts, newer_only)

    def flush(self) -> None:
        """Write the 304s not yet written."""
        if self._touches:
            with self.store.transaction():
                self._flush_touches()

    def _flush_touches(self) -> None:
        for page in self._touches:
            self.store.touch(page)
        self._touches.clear()

    def record_all(self, pages: list[FetchedPage], crawl_id: int | None = None) -> list[str]:
        """record for a batch, in one transaction: for bulk loads (imports, benchmarks), where one
        commit per page would dominate. Still all or nothing."""
        with self.store.transaction():
            return [self.record_here(page, crawl_id) for page in pages]

    def record_here(self, page: FetchedPage, crawl_id: int | None = None, judge_pages: bool = False,
                    alerts: bool = True, newer_only: bool = False) -> str:
        """record, inside the caller's transaction (a batch of pages committed with what else the
        caller writes: the cluster writer's stream mark)."""
        if page.status == 304 and self.store.touch(page):  # the commonest answer of a revisit: one UPDATE, no read
            return "not_modified"
        stored = self.store.article(page.url)
        if newer_only and stored is not None and page.fetched_at <= stored["last_seen"]:
            # a sight from before the first one is evidence of when the article was out: it may
            # confirm a claimed publication time, and so who published first
            if page.article is not None and self.store.saw_earlier(stored["id"], page.fetched_at):
                self.stories.reorder(stored["id"], page.fetched_at)
            if page.article is not None and self.store.has_version(stored["id"], page.article.content_hash):
                return "known"
            return "known" if page.article is None and stored["status"] == "removed" else "older"
        change = decide(stored, page, baseline=stored is None and self._has_baseline(page.site),
                        judge_pages=judge_pages)
        if not alerts:
            change = replace(change, alert=None)
        if change.outcome == "not_article":
            self.store.not_an_article(page, page.article.evidence or "")
        elif change.write:
            if change.removed:  # gone before Rasid saw it online again: a front page it just left did not pull it
                self.store.unpull(page.url, stored["last_seen"])
            article_id = self.store.save(page, stored, change, crawl_id)
            if change.new_version:  # new text: which story it belongs to (a reprint alert if it is news)
                self.stories.track(article_id, page.article.text, page.article.content_hash, page.fetched_at,
                                   crawl_id, news=change.alert is not None, new=stored is None, prepared=page.prepared)
            published = page.article.published if page.article is not None else None
            if stored is not None and page.article is not None and (published.iso if published else None) != \
                    stored["published_at"]:
                self.stories.reorder(article_id, page.fetched_at)  # the claim its story is ordered by moved
        return change.outcome

    def record_listing(self, page: ListingPage, crawl_id: int | None = None,
                       alerts: bool = True) -> frontpage.FrontChange | None:
        """Record one fetch of a listing page, in one transaction: the placements its reading opens
        and closes (monitor.frontpage.compare) and their alerts. None when the page was not read
        (a 304, the same bytes as last time): nothing moved, nothing left."""
        with self.store.transaction():
            self._flush_touches()
            return self.record_listing_here(page, crawl_id, alerts)

    def record_listing_here(self, page: ListingPage, crawl_id: int | None = None,
                            alerts: bool = True) -> frontpage.FrontChange | None:
        """record_listing inside the caller's transaction (the cluster writer's batch)."""
        listing = self.store.listing(page.site, page.path)
        if page.placements is None or (listing is not None and page.body_hash and
                                       page.body_hash == listing["body_hash"]):
            self.store.read_listing(page, None, {}, crawl_id)
            return None
        rows = self.store.open_placements(listing["id"]) if listing is not None else []
        open_rows = [frontpage.Open(r["id"], r["url"], r["block"], r["kind"], r["rank"], r["teaser"], r["appeared_at"])
                     for r in rows]
        articles = self.store.article_states([r.url for r in open_rows] + [p.url for p in page.placements])
        change = frontpage.compare(open_rows, page.placements, articles, page.fetched_at)
        if change.unreadable:
            self.store.read_listing(page, None, articles, crawl_id)
            return change
        if not alerts:
            change = replace(change, alerts=())
        self.store.read_listing(page, change, articles, crawl_id)
        return change

    def _has_baseline(self, site: str) -> bool:
        if site not in self._baselines and self.store.has_baseline(site):
            self._baselines.add(site)
        return site in self._baselines


def front_page_at(store: Store, site: str, path: str, at: datetime) -> tuple[dict, list[dict]]:
    """A listing page of `site` as it stood at `at`: the listing row and its placements then, in the
    page's order, numbered (monitor.frontpage.numbered). ValueError, saying why, when there is none."""
    listing = store.listing(site, path)
    if listing is None:
        read = ", ".join(row["path"] for row in store.listings(site))
        raise ValueError(f"{site}: listing {path!r} was never read" + (f" (read: {read})" if read else
                                                                        " (no listing of this site was read yet)"))
    if at.astimezone(UTC).isoformat(timespec="milliseconds") < listing["first_read"]:
        raise ValueError(f"{site} {path}: Rasid first read it at {listing['first_read']}; of {at.isoformat()} it knows nothing")
    return listing, frontpage.numbered(store.front_page(listing["id"], at))


def front_changes(store: Store, after_crawl_id: int) -> list[tuple[dict, list[dict]]]:
    """Each reading of a listing page by the crawls after `after_crawl_id` that changed it (site, path,
    at), with what changed on it (monitor.frontpage.differences), oldest first."""
    out = []
    for reading in store.front_readings(after_crawl_id):
        moment = instant(reading["at"])
        before = frontpage.numbered(store.front_page(reading["listing_id"], moment - timedelta(milliseconds=1)))
        after = frontpage.numbered(store.front_page(reading["listing_id"], moment))
        out.append((reading, frontpage.differences(before, after)))
    return out
