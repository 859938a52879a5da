"""The Arabic date layer, family by family, with strings other than the public cases."""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.dates import parse_date

REF = "2022-04-06T18:30:00+03:00"  # a Wednesday, in Baghdad
TZ = "Asia/Baghdad"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "dates"


def iso(text, reference=REF, tz=TZ):
    result = parse_date(text, reference, tz)
    return None if result is None else result.iso


def precision(text, reference=REF, tz=TZ):
    return parse_date(text, reference, tz).precision


@pytest.mark.parametrize(
    "text, expected",
    [
        # Egyptian / Gulf names, with and without hamza, Egyptian spellings
        ("15 أغسطس 2019", "2019-08-15"),
        ("15 اغسطس 2019", "2019-08-15"),
        ("1 إبريل 2020", "2020-04-01"),
        ("7 يونية 2018", "2018-06-07"),
        ("7 يوليه 2018", "2018-07-07"),
        ("الجمعة، 22 يناير 2021", "2021-01-22"),
        # Levantine names and their variants
        ("3 كانون ثاني 2019", "2019-01-03"),
        ("3 كانون الأول 2019", "2019-12-03"),
        ("12 تشرين اول 2020", "2020-10-12"),
        ("12 تشرين الاول 2020", "2020-10-12"),
        ("5 اذار 2023", "2023-03-05"),
        ("29 ايار 2021", "2021-05-29"),
        ("(21 كانون الثاني 2022)", "2022-01-21"),
        # Maghreb and Moroccan
        ("2 جويلية 2019", "2019-07-02"),
        ("2 ماي 2019", "2019-05-02"),
        ("11 أوت 2018", "2018-08-11"),
        ("11 نونبر 2018", "2018-11-11"),
        # two systems at once
        ("6 نيسان ابريل 2022", "2022-04-06"),
        ("الاربعاء 6 نيسان ابريل 2022", "2022-04-06"),
        ("14 آب/أغسطس 2020", "2020-08-14"),
        ("3 شباط (فبراير) 2021", "2021-02-03"),
        ("3 حزيران - يونيو 2021", "2021-06-03"),
        # digits
        ("٢٢ كانون الثاني ٢٠٢١", "2021-01-22"),
        ("۱۸ دیسمبر ۲۰۲۰", "2020-12-18"),
        # numeric
        ("22/01/2021", "2021-01-22"),
        ("2021.01.22", "2021-01-22"),
        ("٢٢-٠١-٢٠٢١", "2021-01-22"),
        # Hijri, with and without هـ, all spellings
        ("12 ربيع الاول 1442 هـ", "2020-10-29"),
        ("1 ربيع الآخر 1443هـ", "2021-11-06"),
        ("1 ربيع الثاني 1443", "2021-11-06"),
        ("10 جمادى الآخرة 1443 هـ", "2022-01-13"),
        ("10 جمادى الثانية 1443 هـ", "2022-01-13"),
        ("9 ذي الحجة 1443 هـ", "2022-07-08"),
        ("1443/9/5 هـ", "2022-04-06"),  # numeric Hijri
        ("٥/٩/١٤٤٣ هـ", "2022-04-06"),
        ("١ شوال ١٤٤٤ هـ", "2023-04-21"),
        # Hijri beside Gregorian: the Gregorian one
        ("12 ربيع الأول 1442 هـ الموافق 29 أكتوبر 2020 م", "2020-10-29"),
        # inside a phrase
        ("نشر بتاريخ 22 آب 2020", "2020-08-22"),
        ("اليوم الجمعة (22 كانون الثاني 2021)", "2021-01-22"),
        ("آخر تحديث: 2021-01-23", "2021-01-23"),
    ],
)
def test_day_precise_dates(text, expected):
    assert iso(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("نشر بتاريخ 22 آب 2020 الساعة 8:18 مساءً", "2020-08-22T20:18:00+03:00"),
        ("22-01-2021 01:13 PM", "2021-01-22T13:13:00+03:00"),
        ("الجمعة 22/يناير/2021 - 01:31 م", "2021-01-22T13:31:00+03:00"),
        ("18 ديسمبر، 2024 10:00 م", "2024-12-18T22:00:00+03:00"),
        ("1 يناير 2021 12:30 ص", "2021-01-01T00:30:00+03:00"),  # 12 AM is midnight
        ("1 يناير 2021 12:30 م", "2021-01-01T12:30:00+03:00"),  # 12 PM is noon
        ("3 مارس 2021 ٩:٠٥ صباحاً", "2021-03-03T09:05:00+03:00"),
        ("22-08-2020, 20:18", "2020-08-22T20:18:00+03:00"),
        ("5 تموز 2021 الساعة 8 مساءً", "2021-07-05T20:00:00+03:00"),
        ("2021-06-01 23:59:30", "2021-06-01T23:59:30+03:00"),
        # machine formats keep their own offset
        ("2022-04-06T09:00:00Z", "2022-04-06T09:00:00+00:00"),
        ("2022-04-06T09:00:00+0200", "2022-04-06T09:00:00+02:00"),
        ("Tue, 05 Apr 2022 22:10:00 +0100", "2022-04-05T22:10:00+01:00"),
    ],
)
def test_timestamps_in_site_zone(text, expected):
    assert iso(text) == expected


def test_site_zone_changes_the_instant():
    london = parse_date("6 نيسان 2022 10:00", REF, "Europe/London").value
    baghdad = parse_date("6 نيسان 2022 10:00", REF, "Asia/Baghdad").value
    assert (london - baghdad).total_seconds() == 2 * 3600


@pytest.mark.parametrize(
    "text, expected, prec",
    [
        ("منذ 3 ساعات", "2022-04-06T15:30:00+03:00", "minute"),
        ("منذ ٢٠ دقيقة", "2022-04-06T18:10:00+03:00", "minute"),
        ("منذ ساعتين", "2022-04-06T16:30:00+03:00", "minute"),
        ("منذ ثلاث ساعات", "2022-04-06T15:30:00+03:00", "minute"),
        ("منذ نصف ساعة", "2022-04-06T18:00:00+03:00", "minute"),
        ("قبل يومين", "2022-04-04", "day"),
        ("قبل 5 أيام", "2022-04-01", "day"),
        ("قبل أسبوع", "2022-03-30", "day"),
        ("أمس", "2022-04-05", "day"),
        ("أول أمس", "2022-04-04", "day"),
        ("أول من أمس", "2022-04-04", "day"),
        ("اليوم", "2022-04-06", "day"),
        ("أمس الساعة 10:15 م", "2022-04-05T22:15:00+03:00", "minute"),
        ("نشر أمس الساعة 10:15 م", "2022-04-05T22:15:00+03:00", "minute"),
        ("اليوم الأربعاء", "2022-04-06", "day"),
        ("آخر تحديث منذ ساعتين", "2022-04-06T16:30:00+03:00", "minute"),
        ("يوم الاثنين الماضي", "2022-04-04", "day"),
        ("الأربعاء", "2022-04-06", "day"),  # the reference day itself is a Wednesday
        ("الخميس", "2022-03-31", "day"),
        ("السبت", "2022-04-02", "day"),
        ("الأربعاء الماضي", "2022-03-30", "day"),
    ],
)
def test_relative_dates_use_the_reference(text, expected, prec):
    result = parse_date(text, REF, TZ)
    assert (result.iso, result.precision) == (expected, prec)


def test_weekday_follows_the_reference_not_the_clock():
    assert iso("الاثنين", reference="2020-12-30T12:00:00+03:00") == "2020-12-28"
    assert iso("الاثنين", reference="2031-01-01T12:00:00+03:00") == "2030-12-30"


def test_relative_dates_without_reference_give_none():
    assert parse_date("منذ 3 ساعات") is None
    assert parse_date("أمس") is None
    assert parse_date("الأربعاء") is None


@pytest.mark.parametrize(
    "text, expected, prec",
    [
        ("عام 2021", "2021", "year"),
        ("عام ٢٠٢١", "2021", "year"),
        ("سنة 2018", "2018", "year"),
        ("تموز 2021", "2021-07", "month"),
        ("كانون الثاني 2020", "2020-01", "month"),
        ("جوان 2019", "2019-06", "month"),
        ("آب/أغسطس 2020", "2020-08", "month"),
    ],
)
def test_partial_dates_keep_their_precision(text, expected, prec):
    assert_read_as(text, expected, prec)


def assert_read_as(text: str, expected: str, prec: str) -> None:
    assert (iso(text), precision(text)) == (expected, prec)


def test_hijri_dates_say_so():
    result = parse_date("5 رمضان 1443 هـ", REF, TZ)
    assert result.calendar == "hijri" and result.iso == "2022-04-06"
    assert parse_date("5 مايو 2022", REF, TZ).calendar == "gregorian"


@pytest.mark.parametrize(
    "text",
    [
        "العودة للخلف", "+ الخط -", "اترك رد", "آخر الأخبار", "روسيا اليوم", "الرئيسية / سياسة",
        "31 نيسان 2022", "30 شباط 2021", "29 February 2021", "32/01/2020", "12/13/2020",
        "2022-02-30", "30 صفر 1443 هـ", "نيسان أيار 2022", "", "   ",
        # relative words inside names and sentences are not dates
        "اليوم السابع", "صلاة الجمعة", "الذي حصل يوم أمس في بغداد", "منذ شهر رمضان", "0000", "يناير 0000",
    ],
)
def test_not_a_date_gives_none(text):
    assert parse_date(text, REF, TZ) is None


def test_invalid_time_of_day_gives_no_time():
    assert parse_date("1 يناير 2021 13:30 م", REF, TZ).precision == "day"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_never_raises_on_arbitrary_text(text):
    parse_date(text, REF, TZ)


date_alphabet = st.sampled_from(
    list("0123456789٠١٢٣٤٥٦٧٨٩ /-:،,()هـ")
    + ["نيسان", "ابريل", "كانون الثاني", "رمضان", "منذ", "قبل", "ساعة", "أمس", "ص", "م", "الأربعاء", "عام"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(date_alphabet, max_size=12).map("".join))
def test_never_raises_on_date_like_text(text):
    result = parse_date(text, REF, TZ)
    if result is not None:
        assert result.precision in {"year", "month", "day", "hour", "minute", "second"}
        assert result.iso


def test_unknown_zone_is_a_clear_error():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse_date("6 نيسان 2022", REF, "Mars/Olympus")


def test_naive_reference_is_taken_in_the_site_zone():
    ref = datetime(2022, 4, 6, 1, 0)  # 01:00 in Baghdad is still the 5th in UTC
    assert iso("اليوم", reference=ref) == "2022-04-06"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/dates is not beside this checkout")
@pytest.mark.slow
def test_cli_scores_every_public_case(tmp_path):
    cases = SHARED / "public_cases.jsonl"
    answers = tmp_path / "answers.jsonl"
    with cases.open("rb") as stdin, answers.open("wb") as stdout:
        subprocess.run([sys.executable, "-m", "crawler.cli", "dates", "parse", "--jsonl"],
                       stdin=stdin, stdout=stdout, check=True)
    score = subprocess.run([sys.executable, str(SHARED / "check_dates.py"), str(cases), str(answers)],
                           capture_output=True, text=True)
    assert score.returncode == 0, score.stdout
    n = sum(1 for line in cases.open(encoding="utf-8") if line.strip())
    assert f"dates: {n}/{n} passed" in score.stdout
    first = json.loads(answers.read_text(encoding="utf-8").splitlines()[0])
    assert set(first) >= {"iso", "precision"}


@pytest.mark.parametrize(
    "text, expected, prec",
    [
        # the year glued to the month, as widgets print it (issue 32)
        ("20 سبتمبر2020", "2020-09-20", "day"),
        ("آخر تحديث 20 سبتمبر2020", "2020-09-20", "day"),
        ("٢٠ سبتمبر٢٠٢٠", "2020-09-20", "day"),
        ("2020سبتمبر 20", "2020-09-20", "day"),
        ("سبتمبر2020", "2020-09", "month"),
        ("2020سبتمبر", "2020-09", "month"),
        ("٢٠٢٠سبتمبر", "2020-09", "month"),
        ("5 آب2021", "2021-08-05", "day"),
    ],
)
def test_a_year_glued_to_its_month_is_read(text, expected, prec):
    assert_read_as(text, expected, prec)


@pytest.mark.parametrize("text", ["20 سبتمبر", "آخر تحديث 20 سبتمبر", "22 آب", "٥ أيار"])
def test_a_day_and_month_without_a_year_get_no_year_from_the_reference(text):
    # the reference is when the page was read, not when it was written: a year is never made up
    assert parse_date(text, REF, TZ) is None


def test_a_month_name_inside_a_word_is_still_not_a_month():
    # "اب" (August) ends "كتاب": a letter before it keeps it a word, a digit after it does not matter
    assert parse_date("كتاب2020", REF, TZ) is None
    assert iso("5 اب2020") == "2020-08-05"
