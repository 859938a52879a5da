"""When a stored article is due for another look: the revisit schedule, pure (`now` is passed in),
and `revisits`, which asks it of what the store holds (through the two reads it is given: this
module imports no store)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from extract import instants

Schedule = tuple[tuple[int, int], ...]  # ((interval, until_age), ...) in seconds, youngest first


def watched_since(now: datetime, schedule: Schedule) -> str | None:
    """The first sight before which no article is watched any more (None: none is watched)."""
    return (now - timedelta(seconds=schedule[-1][1])).isoformat(timespec="seconds") if schedule else None


def is_due(first_seen: str | None, last_seen: str | None, now: datetime, schedule: Schedule,
           every_step: bool = True) -> bool:
    """An article younger than an until_age is due once that step's interval has passed since it
    was last fetched; one older than the last until_age is not revisited at all. With
    every_step=False every article still watched is due (a one-off crawl).

    Age counts from the article's first sight by Rasid, not its printed date: dates can be missing
    or wrong, and an article imported from an archive still gets its first week of watching."""
    born = instants.instant(first_seen)
    if born is None or not schedule:
        return False
    last = instants.instant(last_seen) or born
    age = (now - born).total_seconds()
    interval = next((every for every, until in schedule if age < until), None)
    # 0.9: a crawl that starts a little early (the daemon's jitter) still revisits what is nearly due
    return interval is not None and (not every_step or (now - last).total_seconds() >= interval * 0.9)


def due(articles: Iterable[Mapping], now: datetime, schedule: Schedule, every_step: bool = True) -> dict[str, dict]:
    """url -> {etag, last_modified, body_hash, status} of the articles due (see is_due): what a
    conditional request for each needs."""
    return {row["url"]: {k: row[k] for k in ("etag", "last_modified", "body_hash", "status")}
            for row in articles if is_due(row["first_seen"], row["last_seen"], now, schedule, every_step)}


class Watched(Protocol):
    """What `revisits` reads of a store (db.store.Store)."""

    def watched_articles(self, site: str, since: str | None) -> Iterable[Mapping]: ...

    def stored_urls(self, site: str) -> set[str]: ...


def revisits(store: Watched, site: str, now: datetime, schedule: Schedule,
             every_step: bool = True) -> tuple[dict[str, dict], set[str]]:
    """What a crawl of `site` starting `now` needs from the store: the articles due for a revisit
    (url -> validators and status, for conditional requests) and every stored URL (one not due is
    not fetched again when a feed still links it)."""
    watched = store.watched_articles(site, watched_since(now, schedule))
    return due(watched, now, schedule, every_step), store.stored_urls(site)
