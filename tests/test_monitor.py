"""The monitor's rules alone, without a database: what a fetch means given what is stored, which
alert it raises with which diff, and when a stored article is due for another look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from extract.model import content_hash
from monitor.changes import CHANGE_ALERTS, OUTCOMES, decide
from monitor.diff import edit_diff, word_diff
from monitor.schedule import due, is_due
from tests.factories import fetched

URL = "https://www.ina.iq/1--.html"


def stored(text="نص الخبر الأول.", title="عنوان", status="live", **metadata):
    return {"id": 7, "status": status, "title": title, "text": text, "content_hash": content_hash(title, text),
            "versions": 1, "published_at": None, "published_precision": None, "published_estimated": 0,
            "author": None, "section": None, **metadata}


def test_a_first_fetch_is_new_and_alerts_only_after_the_baseline():
    assert decide(None, fetched(URL), baseline=False).alert is None  # the initial import is not news
    change = decide(None, fetched(URL), baseline=True)
    assert (change.outcome, change.alert, change.new_version) == ("new", "new", True)


def test_the_same_content_is_unchanged_whatever_its_whitespace():
    change = decide(stored(), fetched(URL, "  نص   الخبر\nالأول. "), baseline=True)
    assert (change.outcome, change.alert, change.new_version) == ("unchanged", None, False)


def test_an_edit_is_changed_with_a_word_diff_of_title_and_text():
    change = decide(stored(), fetched(URL, "نص الخبر الأول بعد التعديل.", "عنوان معدل"), baseline=True)
    assert (change.outcome, change.alert, change.new_version) == ("changed", "changed", True)
    title_line, text_line = change.diff.split("\n")
    assert title_line == "العنوان: عنوان {+معدل+}"
    assert text_line == "نص الخبر [-الأول.-] {+الأول بعد التعديل.+}"


def test_gone_is_removed_once_then_unchanged_and_a_url_never_stored_is_missing():
    for status in (404, 410):
        assert decide(stored(), fetched(URL, status=status), baseline=True).alert == "removed"
        again = decide(stored(status="removed"), fetched(URL, status=status), baseline=True)
        assert (again.outcome, again.alert, again.write) == ("unchanged", None, False)
        assert decide(None, fetched(URL, status=status), baseline=True).outcome == "missing"


def test_a_removed_article_that_answers_again_is_restored_with_a_version_only_if_it_differs():
    same = decide(stored(status="removed"), fetched(URL), baseline=True)
    assert (same.outcome, same.alert, same.new_version) == ("restored", "restored", False)
    edited = decide(stored(status="removed"), fetched(URL, "نص آخر"), baseline=True)
    assert (edited.outcome, edited.alert, edited.new_version) == ("restored", "restored", True)


def test_a_304_is_not_modified():
    assert decide(stored(), fetched(URL, status=304), baseline=True).outcome == "not_modified"


def test_a_304_for_a_removed_article_restores_it_with_its_stored_content():
    # the server (or the spider, for the very bytes it stored) says the page is there and is the one
    # Rasid holds: the article is back, and nothing new needs storing
    change = decide(stored(status="removed"), fetched(URL, status=304), baseline=True)
    assert (change.outcome, change.alert, change.new_version, change.removed, change.write) == (
        "restored", "restored", False, False, True)
    missing = decide(None, fetched(URL, status=304), baseline=True)
    assert (missing.outcome, missing.write) == ("missing", False)


# --- edits nobody can see: invisible characters, metadata ------------------------------------

BODY = "قال رئيس الوزراء إن الحكومة ستعقد اجتماعا موسعا مع القيادات الأمنية في البصرة."


@pytest.mark.parametrize("char", ["\u200b", "\u200f", "\u202e", "\u2066", "\ufeff", "\x85", "\x01", "\ufdd0",
                                  "\u00ad", "\U000e0041"])
def test_invisible_characters_are_no_edit_and_never_hide_one(char):
    hidden = BODY.replace("الحكومة", "الحك" + char + "ومة").replace("موسعا", char + "موسعا")
    change = decide(stored(BODY), fetched(URL, hidden), baseline=True)
    assert (change.outcome, change.alert) == ("unchanged", None)
    edited = hidden.replace("الأمنية", "الأمنية وشيوخ" + char + " العشائر")
    change = decide(stored(BODY), fetched(URL, edited), baseline=True)
    assert change.outcome == "changed"
    assert change.diff.endswith("{+وشيوخ العشائر+} في البصرة.") and char not in change.diff
    assert "الحكومة ستعقد اجتماعا موسعا مع" in change.diff  # words shown whole, never split by the character


def test_a_moved_publication_date_is_an_edit_that_says_what_moved():
    before = stored(BODY, published_at="2022-04-05T10:00:00+03:00", published_precision="minute")
    change = decide(before, fetched(URL, BODY, published="2022-04-04T22:00:00+03:00"), baseline=True)
    assert (change.outcome, change.alert, change.new_version) == ("changed", "changed", True)
    assert change.diff == "published 2022-04-05 10:00+03:00 → 2022-04-04 22:00+03:00"
    assert change.moved == ("published 2022-04-05 10:00+03:00 → 2022-04-04 22:00+03:00",)


def test_a_removed_byline_and_a_moved_section_are_edits():
    before = stored(BODY, author="محمد علي", section="سياسة")
    change = decide(before, fetched(URL, BODY, section="مجتمع"), baseline=True)
    assert (change.outcome, change.alert, change.new_version) == ("changed", "changed", True)
    assert change.diff.split("\n") == ["author: محمد علي → none", "section: سياسة → مجتمع"]
    added = decide(stored(BODY), fetched(URL, BODY, author="محمد علي"), baseline=True)
    assert added.diff == "author: none → محمد علي"


def test_a_text_edit_with_a_moved_date_keeps_the_word_diff_lines_as_they_were():
    before = stored(BODY, published_at="2022-04-05", published_precision="day")
    text_only = decide(stored(BODY), fetched(URL, BODY + " وأضاف"), baseline=True)
    both = decide(before, fetched(URL, BODY + " وأضاف", published="2022-04-03"), baseline=True)
    assert both.diff.split("\n") == ["published 2022-04-05 → 2022-04-03", *text_only.diff.split("\n")]


@pytest.mark.parametrize("old, old_precision, new, estimated", [
    ("2022-04-05T10:00:00+03:00", "minute", "2022-04-05T07:00:00+00:00", False),  # one instant, written otherwise
    ("2022-04-05", "day", "2022-04-05T10:00:00+03:00", False),  # a time now given for the same day
    ("2022-04-05T00:30:00+03:00", "minute", "2022-04-04", False),  # a day read in UTC: one day off is the zone
    ("2022-04-05T10:00:00+03:00", "minute", "2022-04-05T11:00:00+03:00", True),  # "منذ 3 ساعات" read again later
    ("2022-04-05T10:00:00+03:00", "minute", None, False),  # the date not found this time: nothing moved
])
def test_a_publication_time_that_did_not_move_is_no_edit(old, old_precision, new, estimated):
    before = stored(BODY, published_at=old, published_precision=old_precision)
    change = decide(before, fetched(URL, BODY, published=new, estimated=estimated), baseline=True)
    assert (change.outcome, change.alert, change.new_version) == ("unchanged", None, False)


def test_a_date_never_compared_or_overwritten_by_a_guess():
    firm = stored(BODY, published_at="2022-04-05T10:00:00+03:00", published_precision="minute")
    for page in (fetched(URL, BODY), fetched(URL, BODY, published="2022-04-01", estimated=True)):
        assert decide(firm, page, baseline=True).keep_published  # the page's own date is kept
    # a store from before Rasid knew how a date was read: no edit until it does
    unknown = stored(BODY, published_at="2022-04-05", published_precision="day", published_estimated=None)
    change = decide(unknown, fetched(URL, BODY, published="2022-04-09"), baseline=True)
    assert (change.outcome, change.keep_published) == ("unchanged", False)


def test_a_removed_article_restored_with_a_moved_date_keeps_a_version():
    before = stored(BODY, status="removed", published_at="2022-04-05", published_precision="day")
    change = decide(before, fetched(URL, BODY, published="2022-04-02"), baseline=True)
    assert (change.outcome, change.alert, change.new_version) == ("restored", "restored", True)
    assert change.moved == ("published 2022-04-05 → 2022-04-02",)


def test_a_page_read_without_an_article_is_refused_not_stored_empty():
    with pytest.raises(ValueError, match=URL):
        decide(stored(), fetched(URL, text=None), baseline=True)


def test_every_alert_and_outcome_decide_gives_is_declared():
    pages = [fetched(URL), fetched(URL, "آخر"), fetched(URL, status=404), fetched(URL, status=304)]
    states = [None, stored(), stored(status="removed")]
    changes = [decide(state, page, baseline) for state in states for page in pages for baseline in (False, True)]
    assert {c.outcome for c in changes} <= set(OUTCOMES)
    assert {c.alert for c in changes} - {None} == set(CHANGE_ALERTS)


def test_word_diff_shows_context_and_elides_the_rest():
    old = " ".join(f"w{i}" for i in range(40))
    diff = word_diff(old, old.replace("w20", "X"))
    assert "[-w20-] {+X+}" in diff and "w14" in diff and "w26" in diff and "w2 " not in diff
    assert "…" in diff


def test_edit_diff_has_no_title_line_when_only_the_text_changed():
    assert not edit_diff(stored(), fetched(URL, "نص الخبر الثاني.").article).startswith("العنوان")


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SCHEDULE = ((900, 6 * 3600), (3600, 86400), (86400, 7 * 86400))  # 15m until 6h, 1h until 1d, 1d until 7d


def row(url, first_seen_ago, last_seen_ago):
    return {"url": url, "first_seen": (NOW - first_seen_ago).isoformat(), "last_seen": (NOW - last_seen_ago).isoformat(),
            "etag": '"e"', "last_modified": None, "body_hash": None, "status": "live"}


def test_decaying_revisit_schedule():
    rows = [row("fresh-due", timedelta(hours=2), timedelta(minutes=20)),
            row("fresh-recent", timedelta(hours=2), timedelta(minutes=5)),
            row("day-due", timedelta(hours=12), timedelta(hours=2)),
            row("day-recent", timedelta(hours=12), timedelta(minutes=30)),
            row("week", timedelta(days=3), timedelta(hours=25)),
            row("old", timedelta(days=9), timedelta(days=2))]
    assert set(due(rows, NOW, SCHEDULE)) == {"fresh-due", "day-due", "week"}
    assert due(rows, NOW, SCHEDULE)["week"] == {"etag": '"e"', "last_modified": None, "body_hash": None,
                                                 "status": "live"}
    # a one-off crawl revisits everything inside the window, but never what is older
    assert set(due(rows, NOW, SCHEDULE, every_step=False)) == {r["url"] for r in rows} - {"old"}


def test_no_schedule_or_no_sight_is_never_due():
    assert not is_due(None, None, NOW, SCHEDULE)
    assert not is_due("2026-11-23", None, NOW, SCHEDULE)  # a day is not an instant
    assert not is_due(NOW.isoformat(), None, NOW, ())


def test_on_a_site_without_patterns_a_page_its_signals_reject_is_not_an_article():
    listing = fetched(URL, "سياسة\n\nاقتصاد")
    listing.article.is_article, listing.article.evidence = False, "a list of headlines, not an article"
    change = decide(None, listing, baseline=True, judge_pages=True)
    assert (change.outcome, change.alert, change.write) == ("not_article", None, False)
    assert decide(None, listing, baseline=True).outcome == "new"  # with patterns, the URL decided already
