"""Instants: how every time Rasid stores or is handed is read, in one place.

The store keeps times as ISO 8601 text: Rasid's own (fetches, first and last sight, alerts,
crawls) in UTC, and the dates pages claim (publication, modification) with the offset they were
read with, cut to the precision the page gave ("2021", "2021-07", "2021-07-14"). Every reader of
a stored time (the revisit schedule, the reprint order, alert messages, the web view, the
commands) goes through here, so they agree on three rules:

- the zone: a time written without an offset is UTC (what Rasid writes its own times in; a date
  read from a page always carries the offset it was read with);
- the range: Python's datetime ends at years 1 and 9999, so a time within a day of either end
  cannot be shown in every zone (9999-12-31T22:00Z in Baghdad overflows) and is not read as a
  time at all: it is shown as written;
- plausibility: a date a page claims later than the fetch it was read in (a day allowed for
  zones) is not the article's date, and a fetch time later than now, or before the web existed,
  is a broken clock or a lying archive.

Pure: nothing here reads the clock; `now` and the fetch time are the caller's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# a day inside Python's range at either end: any zone's local time of these is still a datetime
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)
# a page's date may run ahead of Rasid's UTC fetch time by up to a zone's offset (+14:00 at most),
# and a day-precision date is read as its midnight: a claim further ahead than this is refused
ZONE_ALLOWANCE = timedelta(days=1)
# no page was fetched before the web: an archive record dated earlier has a broken clock
FIRST_WEB_FETCH = datetime(1990, 1, 1, tzinfo=UTC)


def _aware(value) -> datetime | None:
    """An ISO time with its hour, aware (UTC when written without an offset), whatever its year."""
    if not isinstance(value, str) or len(value.strip()) <= 10:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def instant(value) -> datetime | None:
    """A stored time with its hour as an aware datetime (with the offset it was written with; UTC
    when it has none). None for a day or coarser, an empty or unreadable value, or one within a
    day of the calendar's ends (no zone could show it)."""
    moment = _aware(value)
    if moment is None:
        return None
    # compared, not converted: aware datetimes compare through their offsets without overflowing
    return moment if EARLIEST <= moment <= LATEST else None


def zone(name) -> tzinfo:
    """A site's IANA zone; UTC for a name that is none (empty, unknown, malformed)."""
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def local(value, zone_name) -> datetime | None:
    """A stored time in the site's zone (see `instant`, `zone`); None when it is no instant."""
    moment = instant(value)
    return moment.astimezone(zone(zone_name)) if moment is not None else None


def period_start(value) -> datetime | None:
    """The earliest instant an ISO date of any precision may mean: an instant itself; a day,
    month or year at its first midnight, in UTC. None for what is not a date."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) > 10:
        return _aware(text)
    parts = text.split("-")
    try:
        year, month, day = int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1
        start = date(year, month, day)
    except (ValueError, IndexError):
        return None
    return datetime(start.year, start.month, start.day, tzinfo=UTC)


def later_than_fetch(claimed: str | None, fetched: datetime | str | None) -> bool:
    """Whether a date a page claims (ISO, any precision) is later than the fetch it was read in,
    by more than ZONE_ALLOWANCE: then it is a claim, not the article's date. Nothing is judged
    without a fetch time, or of a claim that is no date."""
    start = period_start(claimed)
    when = fetched if isinstance(fetched, datetime) else instant(fetched)
    if start is None or when is None:
        return False
    return start - when > ZONE_ALLOWANCE


def fetch_problem(fetched: str | None, now: datetime) -> str | None:
    """Why a fetch time (an archive's WARC-Date, a worker's clock) cannot be stored as a sight of
    the page, or None: "not a time", "after now" or "before the web"."""
    moment = _aware(fetched)
    if moment is None:
        return "not a time"
    if moment > now:
        return "after now"
    if moment < FIRST_WEB_FETCH:
        return "before the web"
    return None
