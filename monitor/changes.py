"""What one fetch of an article URL means: the monitor's rules, pure (no database, no clock).

    decide(stored, page, baseline) -> Change

`stored` is the article as the store holds it before this fetch (None for a URL never stored):
its status (live or removed), content hash, title, text and metadata (monitor.diff.METADATA). The
store persists the Change; monitor.recorder runs the two in one transaction.

An edit is what a reader would see changed: the title or text (their content hash, blind to
characters no reader sees), or the publication time, the byline or the section (a re-dated story,
a removed byline: monitor.diff.metadata_moves). Fields that change on every fetch with nothing
edited (a "modified" stamp, the image, a date Rasid estimated) are stored but never compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from extract.model import FetchedPage
from monitor.diff import edit_diff, metadata_moves, metadata_of
from monitor.frontpage import FRONT_ALERTS

CHANGE_ALERTS = ("new", "changed", "removed", "restored")  # what decide() raises
# monitor.stories raises `reprint` (an article found to be another's text), monitor.frontpage
# `pulled` (off a front page, the article still online) and `teaser` (a front page's headline for
# it rewritten); they are delivered only to watch rules that ask for them (`kinds = ["pulled"]`):
# without rules, DEFAULT_ALERTS
ALERT_KINDS = (*CHANGE_ALERTS, "reprint", *FRONT_ALERTS)
DEFAULT_ALERTS = CHANGE_ALERTS
# every outcome a fetch can have; `missing` is a 404 or 304 for a URL the store does not hold;
# `not_article` a page of a site without article_patterns whose own signals say it is not one
OUTCOMES = ("new", "changed", "unchanged", "not_modified", "removed", "restored", "missing", "not_article")
GONE = (404, 410)


@dataclass(frozen=True)
class Change:
    outcome: str  # one of OUTCOMES
    alert: str | None = None  # one of CHANGE_ALERTS, or no alert
    diff: str | None = None  # what an edit changed: the moved lines, then the word diff (monitor.diff)
    new_version: bool = False  # the content differs from the stored one: a version is kept
    removed: bool = False  # the article is gone from the site
    write: bool = True  # False: nothing of this fetch is stored
    moved: tuple[str, ...] = ()  # the metadata that moved, one line each (monitor.diff.metadata_moves)
    # the stored publication time stays: this fetch found none, or only an estimate beside the page's own
    keep_published: bool = False


def decide(stored: Mapping | None, page: FetchedPage, baseline: bool, judge_pages: bool = False) -> Change:
    """The outcome of fetching `page` (status 200 with its article, or 404/410) given what is stored.

    `baseline`: a crawl of the site has run to its end before. Until then articles are the
    initial import, not news, and raise no `new` alert. A removed article that answers again is
    restored (with a version if its content differs); edits of a live article are `changed`,
    with the word diff. `judge_pages` (a site without article_patterns): a page whose own signals
    say it is not an article is `not_article`, remembered, never stored as one."""
    if page.status == 304:
        if stored is None:
            return Change("missing", write=False)
        if stored["status"] == "removed":
            # the server says the page is there and is the one Rasid holds (a 304 to the validators
            # it had before the removal, or the spider's very bytes of it): the article is back
            return Change("restored", alert="restored")
        return Change("not_modified")
    if page.status in GONE:
        if stored is None:
            return Change("missing", write=False)
        if stored["status"] == "removed":
            return Change("unchanged", write=False)
        return Change("removed", alert="removed", removed=True)
    if page.article is None:
        raise ValueError(f"{page.url}: a {page.status} page without an article cannot be recorded")
    if judge_pages and not page.article.is_article:
        return Change("not_article", write=False)
    if stored is None:
        return Change("new", alert="new" if baseline else None, new_version=True)
    metadata = metadata_of(page.article)
    moved = tuple(metadata_moves(stored, metadata))
    keep = bool(stored.get("published_at")) and (
        metadata["published_at"] is None or (bool(metadata["published_estimated"]) and stored.get("published_estimated") == 0))
    edited = page.article.content_hash != stored["content_hash"]
    if stored["status"] == "removed":
        return Change("restored", alert="restored", new_version=edited or bool(moved), moved=moved,
                      keep_published=keep)
    if edited or moved:
        diff = "\n".join([*moved, edit_diff(stored, page.article)] if edited else moved)
        return Change("changed", alert="changed", diff=diff, new_version=True, moved=moved, keep_published=keep)
    return Change("unchanged", keep_published=keep)
