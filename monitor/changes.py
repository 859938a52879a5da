"""What one fetch of an article URL means: the monitor's rules, pure (no database, no clock).

    decide(stored, page, baseline) -> Change

`stored` is the article as the store holds it before this fetch (None for a URL never stored):
its status (live or removed), content hash, title and text. The store persists the Change;
monitor.recorder runs the two in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from extract.model import FetchedPage
from monitor.diff import edit_diff

CHANGE_ALERTS = ("new", "changed", "removed", "restored")  # what decide() raises
# monitor.stories raises `reprint` (an article found to be another's text); it is delivered only
# to watch rules that ask for it (`kinds = ["reprint"]`): without rules, DEFAULT_ALERTS
ALERT_KINDS = (*CHANGE_ALERTS, "reprint")
DEFAULT_ALERTS = CHANGE_ALERTS
# every outcome a fetch can have; `missing` is a 404 or 304 for a URL the store does not hold;
# `not_article` a page of a site without article_patterns whose own signals say it is not one
OUTCOMES = ("new", "changed", "unchanged", "not_modified", "removed", "restored", "missing", "not_article")
GONE = (404, 410)


@dataclass(frozen=True)
class Change:
    outcome: str  # one of OUTCOMES
    alert: str | None = None  # one of CHANGE_ALERTS, or no alert
    diff: str | None = None  # the word diff of an edit (monitor.diff.edit_diff)
    new_version: bool = False  # the content differs from the stored one: a version is kept
    removed: bool = False  # the article is gone from the site
    write: bool = True  # False: nothing of this fetch is stored


def decide(stored: Mapping | None, page: FetchedPage, baseline: bool, judge_pages: bool = False) -> Change:
    """The outcome of fetching `page` (status 200 with its article, or 404/410) given what is stored.

    `baseline`: a crawl of the site has run to its end before. Until then articles are the
    initial import, not news, and raise no `new` alert. A removed article that answers again is
    restored (with a version if its content differs); edits of a live article are `changed`,
    with the word diff. `judge_pages` (a site without article_patterns): a page whose own signals
    say it is not an article is `not_article`, remembered, never stored as one."""
    if page.status == 304:
        return Change("not_modified" if stored is not None else "missing")
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
    edited = page.article.content_hash != stored["content_hash"]
    if stored["status"] == "removed":
        return Change("restored", alert="restored", new_version=edited)
    if edited:
        return Change("changed", alert="changed", diff=edit_diff(stored, page.article), new_version=True)
    return Change("unchanged")
