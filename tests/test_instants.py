"""One rule for time (extract/instants.py): every reader of a stored time reads it alike, no stored
value makes a reader raise, a date a page claims later than its fetch is refused, and a fetch time
in the future (an archive's WARC-Date, a worker's clock) is caught. Pure: no store, no clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.daemon.alerts import message
from extract import instants
from monitor.reprints import Member, delay_text, evidence, story_source, times_text
from monitor.schedule import is_due
from web import render

# what a row can hold in a time column once a page, an archive, a clock or a hand has written it
EXTREMES = ["0001-01-01T00:00:00+03:00", "0001-01-01T00:00:00+00:00", "0001-01-01", "9999-12-31T22:00:00+00:00",
            "9999-12-31T23:59:59-05:00", "9999-12-31", "9999", "2026-11-20T10:00:00", "garbage", "", "2026-13-45",
            "2026-12-03T25:61:00+00:00", "T", "0000-00-00T00:00:00Z", "   "]
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
SCHEDULE = ((900, 6 * 3600), (3600, 86400))


def _alert(**values) -> dict:
    return {"id": 1, "kind": "changed", "site": "ina", "site_name": "INA", "timezone": "Asia/Baghdad",
            "url": "https://www.ina.iq/1", "title": "عنوان", "text": "نص", "published_at": None,
            "created_at": "2026-11-23T07:00:00+00:00", "diff": None, **values}


def test_every_reader_reads_a_time_without_an_offset_as_utc():
    naive = "2026-11-20T10:00:00"
    meant = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert instants.instant(naive) == meant
    hourly = ((3600, 86400),)  # the revisit schedule: last fetched at 10:00 UTC, due again at 11:00
    assert not is_due(naive, naive, datetime(2026, 11, 20, 10, 50, tzinfo=UTC), hourly)
    assert is_due(naive, naive, datetime(2026, 11, 20, 10, 55, tzinfo=UTC), hourly)
    assert evidence(Member(1, naive, "2026-11-21T00:00:00+00:00")).claimed == meant  # reprint order
    assert render.local_time(naive, "Asia/Baghdad")["local"] == "2026-11-20 13:00+03:00"  # the web view
    _, body = message(_alert(published_at=naive, created_at=naive))  # alert delivery
    assert "النشر: 2026-11-20 13:00 (Asia/Baghdad)" in body and "الرصد: 2026-11-20 13:00" in body


@pytest.mark.parametrize("value", EXTREMES)
def test_no_stored_value_makes_a_reader_raise(value):
    shown = render.local_time(value, "Asia/Baghdad")
    assert shown is None if not value else shown["local"]
    assert render.local_time(value, "Not/AZone") is None or render.local_time(value, "Not/AZone")["local"]
    message(_alert(published_at=value, created_at=value, timezone="Pacific/Kiritimati"))
    message(_alert(published_at=value, created_at=value, timezone="no such zone"))
    is_due(value, value, NOW, SCHEDULE)
    members = [Member(1, value, value), Member(2, value, "2026-11-20T10:00:00+00:00")]
    story_source(members)
    times_text(members[0], "Asia/Baghdad", members[1])


def test_a_time_that_cannot_be_read_is_shown_as_written():
    assert render.local_time("garbage", "Asia/Baghdad") == {"local": "garbage", "utc": "garbage", "iso": "garbage"}
    # the end of the calendar cannot be shown in a zone east of UTC: it is shown as stored, not a 500
    assert render.local_time("9999-12-31T22:00:00+00:00", "Asia/Baghdad")["local"] == "9999-12-31T22:00:00+00:00"
    _, body = message(_alert(published_at="9999-12-31T22:00:00+00:00"))
    assert "النشر: 9999-12-31T22:00:00+00:00" in body
    assert instants.instant("9999-12-31T22:00:00+00:00") is None  # no zone could show it: not read as a time
    assert instants.instant("0001-01-01T00:00:00+03:00") is None
    assert instants.instant("2026-11-20") is None  # a day is not an instant


def test_an_unknown_zone_name_is_read_as_utc():
    assert render.local_time("2026-11-20T10:00:00+00:00", "Not/AZone")["local"] == "2026-11-20 10:00+00:00"


@pytest.mark.parametrize("delay", ["garbage", None, 10**18, -(10**18), 3.5])
def test_a_stored_delay_of_any_kind_is_shown(delay):
    assert isinstance(delay_text(delay), str)


@pytest.mark.parametrize("claimed, refused", [
    ("9999-12-31T22:00:00+00:00", True),
    ("2026-12-05T00:00:00+00:00", True),
    ("2026-12-04T11:00:00+03:00", False),  # within a day of the fetch: a zone ahead of UTC, not the future
    ("2026-12-05", True), ("2026-12-04", False),  # a day starts at its midnight
    ("2027-01", True), ("2027", True), ("2026", False),
    ("2020-08-28T10:15:00+03:00", False),
])
def test_a_claim_later_than_the_fetch_is_refused_with_a_day_allowed_for_zones(claimed, refused):
    assert instants.later_than_fetch(claimed, "2026-12-03T10:00:00.000+00:00") is refused
    assert instants.later_than_fetch(claimed, datetime(2026, 12, 3, 10, 0, tzinfo=UTC)) is refused


def test_without_a_fetch_time_nothing_is_refused():
    assert instants.later_than_fetch("9999-12-31T22:00:00+00:00", None) is False
    assert instants.later_than_fetch("garbage", "2026-12-03T10:00:00+00:00") is False


@pytest.mark.parametrize("fetched, problem", [
    ("2026-12-03T11:59:59.000+00:00", None),
    ("2026-12-03T12:00:00+00:00", None),
    ("2026-12-03T12:00:01+00:00", "after now"),
    ("2026-12-05T00:00:00.000+00:00", "after now"),
    ("9999-12-31T23:59:59.000+00:00", "after now"),
    ("1996-05-10T08:00:00+00:00", None),
    ("1970-01-01T00:00:00+00:00", "before the web"),
    ("0001-01-01T00:00:00+03:00", "before the web"),
    ("garbage", "not a time"),
    ("2026-12-03", "not a time"),
])
def test_a_fetch_time_is_checked_against_now(fetched, problem):
    found = instants.fetch_problem(fetched, NOW)
    assert (found is None) if problem is None else (problem in found)
