"""Times a user types: one reader for every option that asks for a time (`--since` of search,
reprints and export warc, `--reference` of extract and dates parse, and any later one), so that
each accepts what the others do and a mistake lists the same forms.

    read_time("3d", now, "--since")        -> 3 days before now
    read_time("2020-08", now, "--since")   -> the month (from 2020-08-01, UTC)
    read_time("منذ 3 أيام", now, "--at")   -> read against now, as a page's date would be

Accepted: a duration back from now in the config's units (`30m`, `12h`, `3d`); a year, month or
day (`2020`, `2020-08`, `2020-08-28`); an ISO time (`2020-08-28T10:00+03:00`, UTC without an
offset); a date as Arabic pages print it (`1 آب 2020`, `أمس`, `منذ 3 أيام`), read against now.
Pure: `now` is the caller's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from extract import instants
from extract.dates import parse_date
from monitor.config import ConfigError, parse_duration

FORMS = ('a duration back from now (30m, 12h, 3d), a year, month or day (2020, 2020-08, 2020-08-28), an ISO time '
         '(2020-08-28T10:00+03:00; UTC without an offset) or a date in Arabic ("1 آب 2020", "منذ 3 أيام")')
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")  # dateparser reads none; a user types it for a month


class UserTimeError(ValueError):
    """A typed time that is none: one line naming the option and the value, listing the forms."""


@dataclass(frozen=True)
class UserTime:
    iso: str  # as precise as typed: "2020", "2020-08", "2020-08-28", or a time with its offset
    start: datetime  # the earliest instant it means (a date's first midnight in UTC), aware
    precision: str  # year, month, day, hour, minute, second


def read_time(value: str, now: datetime, option: str) -> UserTime:
    """`value` as typed for `option`, read against `now` (aware); UserTimeError if it is no time."""
    text = (value or "").strip()
    if re.fullmatch(r"\d+\s*[smhd]", text):
        try:
            start = now - timedelta(seconds=parse_duration(text, option))
        except ConfigError:  # 0d: no duration
            raise UserTimeError(f"{option} {value!r}: a duration back from now is more than 0") from None
        return UserTime(start.isoformat(timespec="seconds"), start, "second")
    month = _MONTH.match(text)
    if month and 1 <= int(month.group(2)) <= 12:
        iso = f"{month.group(1)}-{int(month.group(2)):02d}"
        return UserTime(iso, instants.period_start(iso), "month")
    parsed = parse_date(text, now) if text else None
    start = instants.period_start(parsed.iso) if parsed else None
    if start is None:
        raise UserTimeError(f"{option} {value!r}: not a time; give {FORMS}")
    return UserTime(parsed.iso, start, parsed.precision)
