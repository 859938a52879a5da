"""Arabic dates to exact timestamps.

`parse_date(text, reference, tz)` is a pure function: the same arguments give
the same answer on any machine at any time. It never reads the clock: relative
dates ("منذ 3 ساعات", "أمس", a bare weekday) need `reference`, or give None.

How it works: the text is folded (digits, hamza forms, diacritics, tatweel),
every month name of every Arabic naming system (Egyptian/Gulf, Levantine,
Maghreb, Moroccan, Hijri) is replaced by a token, and a few regular
expressions read the common shapes. That fast path is why this layer is much
faster than bare dateparser; dateparser remains the engine for what the fast
path does not know (Latin-script dates and rarer shapes), and hijridate does
the Umm al-Qura calendar. dateparser alone misses Levantine and Maghreb names
(its plain `ar` locale knows neither; the regional ones cannot be combined in one
call), doubled names ("نيسان ابريل") and Hijri dates, invents a day and month for
"عام 2021", and resolves weekdays against today, which is why the names and
relative forms are handled here first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from extract.arabic import fold

PRECISIONS = ("year", "month", "day", "hour", "minute", "second")


class _AssumedUTC(tzinfo):
    """UTC standing in for a zone nobody gave (no `tz`): a time printed without an offset
    is then read as UTC, and says so (ParsedDate.timezone_assumed) instead of passing for
    an instant the page stated."""

    def utcoffset(self, dt):
        return timedelta(0)

    def dst(self, dt):
        return timedelta(0)

    def tzname(self, dt):
        return "UTC"

    def __reduce__(self):  # one instance, also across the extraction pool's processes
        return "ASSUMED_UTC"

    def __repr__(self) -> str:
        return "ASSUMED_UTC"


ASSUMED_UTC = _AssumedUTC()


@dataclass(frozen=True)
class ParsedDate:
    """A date as precise as it was written.

    `value` is an aware datetime for hour/minute/second precision, otherwise a
    `date` (month precision: day 1; year precision: 1 January)."""

    value: datetime | date
    precision: str
    calendar: str = "gregorian"
    # read against the reference, not from the text alone ("منذ 3 ساعات", "أمس", a weekday, a day and
    # month without a year): the same page read at another time can give another value
    relative: bool = field(default=False, compare=False)

    @property
    def iso(self) -> str:
        if self.precision == "year":
            return f"{self.value.year:04d}"
        if self.precision == "month":
            return f"{self.value.year:04d}-{self.value.month:02d}"
        if self.precision == "day":
            day = self.value.date() if isinstance(self.value, datetime) else self.value
            return day.isoformat()
        return self.value.isoformat(timespec="seconds")

    @property
    def timezone_assumed(self) -> bool:
        """True when the text gave a time without an offset and no zone was known:
        the instant is then read as UTC, a guess rather than what the page said."""
        return isinstance(self.value, datetime) and self.value.tzinfo is ASSUMED_UTC

    def as_dict(self) -> dict:
        answer = {"iso": self.iso, "precision": self.precision, "calendar": self.calendar}
        if self.timezone_assumed:
            answer["timezone_assumed"] = True
        return answer


# --- month names -----------------------------------------------------------
# Written as published; folded below so one entry covers hamza/taa variants.

_GREGORIAN_NAMES = {
    1: ["يناير", "كانون الثاني", "كانون ثاني", "جانفي", "جانفييه", "ينايِر"],
    2: ["فبراير", "شباط", "فيفري", "فبرير"],
    3: ["مارس", "آذار", "اذار", "مارش"],
    4: ["أبريل", "إبريل", "ابريل", "نيسان", "أفريل", "افريل", "ابرِيل"],
    5: ["مايو", "أيار", "ايار", "ماي", "مايس"],
    6: ["يونيو", "يونية", "يونيه", "حزيران", "جوان"],
    7: ["يوليو", "يولية", "يوليه", "تموز", "جويلية", "جويليه", "يوليوز"],
    8: ["أغسطس", "اغسطس", "آب", "اب", "أوت", "اوت", "غشت", "اغشت"],
    9: ["سبتمبر", "أيلول", "ايلول", "شتنبر", "سپتمبر"],
    10: ["أكتوبر", "اكتوبر", "تشرين الأول", "تشرين اول", "تشرين الاول"],
    11: ["نوفمبر", "تشرين الثاني", "تشرين ثاني", "نونبر"],
    12: ["ديسمبر", "كانون الأول", "كانون اول", "كانون الاول", "دجنبر"],
}

_HIJRI_NAMES = {
    1: ["محرم", "المحرم", "محرم الحرام"],
    2: ["صفر", "صفر الخير"],
    3: ["ربيع الأول", "ربيع أول", "ربيع الاول", "ربيع اول"],
    4: ["ربيع الآخر", "ربيع الاخر", "ربيع الثاني", "ربيع ثاني", "ربيع آخر"],
    5: ["جمادى الأولى", "جمادى الاولى", "جمادى الأول", "جمادى الاول", "جمادي الاولي"],
    6: ["جمادى الآخرة", "جمادى الاخرة", "جمادى الثانية", "جمادى الثاني", "جمادى الآخر", "جمادى الاخر"],
    7: ["رجب", "رجب المرجب"],
    8: ["شعبان"],
    9: ["رمضان", "رمضان المبارك"],
    10: ["شوال"],
    11: ["ذو القعدة", "ذي القعدة", "ذو القعده", "ذي القعده"],
    12: ["ذو الحجة", "ذي الحجة", "ذو الحجه", "ذي الحجه"],
}

_WEEKDAYS = {  # Python weekday(): Monday is 0
    "الاثنين": 0,
    "الإثنين": 0,
    "الثلاثاء": 1,
    "الأربعاء": 2,
    "الاربعاء": 2,
    "الخميس": 3,
    "الجمعة": 4,
    "السبت": 5,
    "الأحد": 6,
    "الاحد": 6,
}


def _alternation(names: dict[str, str]) -> re.Pattern:
    # Longest first, so "كانون الثاني" wins over a shorter name. No letter may touch a name, which
    # keeps "اب" from matching inside other words; a digit may: pages glue the year to the month
    # ("20 سبتمبر2020", "2020سبتمبر").
    keys = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<![^\W\d_])(" + "|".join(re.escape(k) for k in keys) + r")(?![^\W\d_])")


def _folded_table(table: dict[int, list[str]], tag: str) -> dict[str, str]:
    return {fold(name): f"{tag}{num}" for num, names in table.items() for name in names}


_MONTH_TOKENS = {**_folded_table(_GREGORIAN_NAMES, "G"), **_folded_table(_HIJRI_NAMES, "H")}
_MONTH_RE = _alternation(_MONTH_TOKENS)
_WEEKDAY_TOKENS = {fold(k): v for k, v in _WEEKDAYS.items()}
_WEEKDAY_RE = re.compile(r"(?<!\w)(?:يوم\s+)?(" + "|".join(_WEEKDAY_TOKENS) + r")(?!\w)")

# Latin month names, for pages and feeds written in English or French.
_LATIN_MONTH = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|janv|févr|avr|mai|juin|juil|août|sept|déc)[a-zé]*\.?\b"
)

# --- shapes ---------------------------------------------------------------

_SEP = r"[\s,،/\\\-.()]*"
# Two month names in a row that name the same month ("نيسان ابريل", "آب/أغسطس",
# "شباط (فبراير)") collapse into one token.
_DOUBLE_MONTH = re.compile(r"\b(G\d{1,2})[\s/\\\-–(،,]*(G\d{1,2})(?:\s*\))?")

_TIME = re.compile(
    r"(?<!\d)(\d{1,2})[:٫](\d{2})(?::(\d{2}))?(?!\d)"
    r"(?:\s*(am|pm|a\.m\.|p\.m\.|ص|م|صباحا|صباحًا|مساء|مساءا|مساءً|ظهرا|عصرا|ليلا|فجرا|الصبح))?(?!\w)"
)
_ISO = re.compile(
    r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(z|[+-]\d{2}:?\d{2})?(?![\d:])",
    re.IGNORECASE,
)
_NUMERIC_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})(?!\d)")
_NUMERIC_YMD = re.compile(r"(?<!\d)(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)")
_NAMED_DMY = re.compile(r"(?<!\d)(\d{1,2})" + _SEP + r"(G|H)(\d{1,2})" + _SEP + r"(\d{4})(?!\d)")
_NAMED_MDY = re.compile(r"(?<![\dGH])(G)(\d{1,2})\s*(\d{1,2})\s*,\s*(\d{4})(?!\d)")
# The year first, as some widgets print it ("2020سبتمبر 20", "2020 سبتمبر")
_NAMED_YMD = re.compile(r"(?<!\d)(\d{4})" + _SEP + r"(G)(\d{1,2})" + _SEP + r"(\d{1,2})(?![\d:٫])")
_NAMED_YM = re.compile(r"(?<![\d:])(\d{4})" + _SEP + r"(G|H)(\d{1,2})(?![\d\s]*\d{4})")
_NAMED_MY = re.compile(
    r"(?<!\d)(G|H)(\d{1,2})" + _SEP + r"(?:(?:من\s+)?(?:عام|العام|سنه)\s*)?(\d{4})(?!\d)"
)
_YEAR_ONLY = re.compile(r"^(?:(?:عام|سنه|العام|لعام|في)\s*)?(\d{4})\s*(?:م|ميلاديه|ميلادي)?$")
_YEAR_WORD = re.compile(r"(?<!\w)(?:عام|سنه|العام|لعام)\s*(\d{4})(?!\d)")
_HIJRI_MARK = re.compile(r"(?<!\w)(?:هـ|ه|هجري|هجريه|للهجره)(?!\w)")

_UNITS = {
    "ثانيه": "seconds", "ثواني": "seconds", "ثوان": "seconds", "ثانيتين": "seconds",
    "دقيقه": "minutes", "دقائق": "minutes", "دقايق": "minutes", "دقيقتين": "minutes", "دقيقتان": "minutes",
    "ساعه": "hours", "ساعات": "hours", "ساعتين": "hours", "ساعتان": "hours",
    "يوم": "days", "ايام": "days", "يومين": "days", "يومان": "days",
    "اسبوع": "weeks", "اسابيع": "weeks", "اسبوعين": "weeks", "اسبوعان": "weeks",
    "شهر": "months", "اشهر": "months", "شهور": "months", "شهرين": "months", "شهران": "months",
    "سنه": "years", "سنوات": "years", "سنين": "years", "سنتين": "years", "سنتان": "years",
    "عام": "years", "اعوام": "years", "عامين": "years", "عامان": "years",
}
_UNITS = {fold(k): v for k, v in _UNITS.items()}  # table written as published, matched folded
_DUALS = {"ثانيتين", "دقيقتين", "دقيقتان", "ساعتين", "ساعتان", "يومين", "يومان", "اسبوعين", "اسبوعان",
          "شهرين", "شهران", "سنتين", "سنتان", "عامين", "عامان"}
_NUMBER_WORDS = {
    "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6,
    "سبع": 7, "سبعه": 7, "ثماني": 8, "ثمان": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
    "بضع": 3, "بضعه": 3,
}
_DUALS = {fold(k) for k in _DUALS}
_NUMBER_WORDS = {fold(k): v for k, v in _NUMBER_WORDS.items()}
_RELATIVE = re.compile(
    r"(?<!\w)(?:منذ|قبل)\s+(?:حوالي\s+|نحو\s+)?(\d+|نصف|ربع|"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")?\s*("
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")(?!\w)"
)
# "اليوم" (today) only where it opens the text or follows a publishing word:
# inside a name ("روسيا اليوم") it is not a date.
_DAY_WORDS = re.compile(r"(?<!\w)(اول\s+(?:من\s+)?امس|امس|البارحه|اليوم)(?!\w)")
# Relative dates, day words and bare weekdays count only in a text made of date
# words: "منذ 3 ساعات", "نشر أمس الساعة 10:15", but not "صلاة الجمعة", "روسيا
# اليوم" or "اليوم السابع" (a newspaper), where the word is part of a name.
_FILLER = re.compile(
    r"(?<!\w)(?:نشر|نشرت|النشر|تم|بتاريخ|تاريخ|في|يوم|الساعه|الموافق|اخر|تحديث|التحديث|منذ|قبل|حوالي|نحو"
    r"|الماضي|الفائت|المنصرم|ص|م|صباحا|مساء|مساءا|ظهرا|عصرا|ليلا|فجرا|am|pm)(?!\w)"
)
_DAY_OFFSETS = {"امس": -1, "البارحه": -1, "اليوم": 0}


def _zone(tz: str | tzinfo | None) -> tzinfo:
    if tz is None:
        return ASSUMED_UTC
    if isinstance(tz, tzinfo):
        return tz
    return _zone_by_name(tz)


@lru_cache(maxsize=64)
def _zone_by_name(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def _reference(reference: datetime | str | None, zone: tzinfo) -> datetime | None:
    if reference is None:
        return None
    if isinstance(reference, str):
        reference = datetime.fromisoformat(reference.replace("Z", "+00:00"))
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=zone)
    return reference.astimezone(zone)


_HOUR_ONLY = re.compile(r"(?<!\w)(الساعه\s*)(\d{1,2})(?![:\d٫])")


def _tokenise(folded: str) -> str:
    text = _MONTH_RE.sub(lambda m: f" {_MONTH_TOKENS[m.group(1)]} ", folded)
    text = _HOUR_ONLY.sub(r"\g<1>\2:00", text)  # "الساعة 8 مساءً" is 8:00 pm

    def collapse(m: re.Match) -> str:
        # "نيسان ابريل" -> G4; two different months side by side is a contradiction.
        return m.group(1) if m.group(1) == m.group(2) else " CONFLICT "

    return _DOUBLE_MONTH.sub(collapse, text)


def _clock(m: re.Match | None) -> tuple[int, int, int | None] | None:
    """Hour, minute, second from a _TIME match, with ص/م and AM/PM applied."""
    if m is None:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    second = int(m.group(3)) if m.group(3) else None
    suffix = (m.group(4) or "").replace(".", "")
    if suffix:
        pm = suffix in {"pm", "م", "مساء", "مساءا", "مساءً", "ظهرا", "عصرا", "ليلا"}
        if not 1 <= hour <= 12:
            return None
        if pm and hour != 12:
            hour += 12
        elif not pm and hour == 12:  # 12 ص / 12 AM is midnight
            hour = 0
        if suffix == "ليلا" and hour == 24:
            hour = 0
    if hour > 23 or minute > 59 or (second is not None and second > 59):
        return None
    return hour, minute, second


def _at(day: date, clock: tuple[int, int, int | None] | None, zone: tzinfo,
        calendar: str = "gregorian") -> ParsedDate:
    """`day` at `clock` (local time in `zone`), or the day alone without a clock.
    `calendar` is the one the text was written in; `day` is always Gregorian."""
    if clock is None:
        return ParsedDate(day, "day", calendar)
    hour, minute, second = clock
    value = datetime(day.year, day.month, day.day, hour, minute, second or 0, tzinfo=zone)
    return ParsedDate(value, "second" if second is not None else "minute", calendar)


def _hijri_to_gregorian(year: int, month: int, day: int) -> date | None:
    from hijridate import Hijri  # imported lazily: only Hijri dates need it

    try:
        g = Hijri(year, month, day).to_gregorian()
        return date(g.year, g.month, g.day)
    except (ValueError, OverflowError):
        return None


def _calendar_date(kind: str, year: int, month: int, day: int) -> date | None:
    if kind == "H":
        return _hijri_to_gregorian(year, month, day)
    try:
        return date(year, month, day)
    except ValueError:
        return None


class _Invalid(Exception):
    """A date shape matched but names an impossible date: the answer is None,
    and no fallback may guess another."""


def _machine(text: str, zone: tzinfo) -> ParsedDate | None:
    m = _ISO.search(text)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        d = _calendar_date("G", year, month, day)
        if d is None:
            raise _Invalid
        if m.group(4) is None:
            return ParsedDate(d, "day")
        hour, minute = int(m.group(4)), int(m.group(5))
        second = int(m.group(6)) if m.group(6) else None
        if hour > 23 or minute > 59 or (second or 0) > 59:
            raise _Invalid
        offset = m.group(7)
        if offset:
            value = datetime.fromisoformat(
                f"{m.group(1)}-{m.group(2)}-{m.group(3)}T{hour:02d}:{minute:02d}:{second or 0:02d}"
                + ("+00:00" if offset.lower() == "z" else offset[:3] + ":" + offset[-2:])
            )
        else:
            value = datetime(year, month, day, hour, minute, second or 0, tzinfo=zone)
        return ParsedDate(value, "second" if second is not None else "minute")
    if re.match(r"^\s*(?:[a-z]{3},\s*)?\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d{2}:\d{2}", text, re.I):
        try:
            value = parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError):
            raise _Invalid from None
        if value.tzinfo is None:  # RFC 2822 "-0000": no zone known, take the site's
            value = value.replace(tzinfo=zone)
        return ParsedDate(value, "second")
    return None


def _explicit(tokens: str, zone: tzinfo) -> ParsedDate | None:
    """Dates written out in full or in part: numeric, named months, Hijri."""
    clock = _clock(_TIME.search(tokens))
    return _numeric(tokens, clock, zone) or _named(tokens, clock, zone) or _month_or_year(tokens)


def _numeric(tokens: str, clock, zone: tzinfo) -> ParsedDate | None:
    for pattern in (_NUMERIC_YMD, _NUMERIC_DMY):
        m = pattern.search(tokens)
        if m:
            if pattern is _NUMERIC_YMD:
                year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
            else:
                day, month, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
            # Years 1300-1500 are Hijri (Umm al-Qura): "1443/9/5 هـ" is 6 April 2022.
            kind = "H" if 1300 <= year <= 1500 else "G"
            d = _calendar_date(kind, year, month, day)
            if d is None:
                raise _Invalid
            return _at(d, _clock(_TIME.search(tokens, m.end())) or clock, zone,
                       "hijri" if kind == "H" else "gregorian")
    return None


def _named(tokens: str, clock, zone: tzinfo) -> ParsedDate | None:
    """Day, named month and year. The Gregorian date wins where Hijri and Gregorian both appear."""
    named = sorted(_NAMED_DMY.finditer(tokens), key=lambda m: m.group(2) != "G")
    if not named:
        named = [(m.group(3), m.group(1), m.group(2), m.group(4)) for m in _NAMED_MDY.finditer(tokens)]
        named = named or [(m.group(4), m.group(2), m.group(3), m.group(1)) for m in _NAMED_YMD.finditer(tokens)]
    else:
        named = [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in named]
    if not named:
        return None
    day, kind, month, year = named[0]
    if not 1 <= int(month) <= 12:
        raise _Invalid
    d = _calendar_date(kind, int(year), int(month), int(day))
    if d is None:
        raise _Invalid
    # A Hijri date's clock time is still local time on the Gregorian day.
    return _at(d, clock, zone, "hijri" if kind == "H" else "gregorian")


def _month_or_year(tokens: str) -> ParsedDate | None:
    m = _NAMED_MY.search(tokens)
    ym = None if m else _NAMED_YM.search(tokens)
    if m or ym:
        kind, month, year = (m.group(1), int(m.group(2)), int(m.group(3))) if m else (
            ym.group(2), int(ym.group(3)), int(ym.group(1)))
        if kind == "H":  # a Hijri month spans two Gregorian months: keep its first day's month
            d = _hijri_to_gregorian(year, month, 1)
            if d is None:
                raise _Invalid
            return ParsedDate(date(d.year, d.month, 1), "month", "hijri")
        return ParsedDate(date(year, month, 1), "month")
    m = _YEAR_ONLY.match(tokens.strip()) or _YEAR_WORD.search(tokens)
    if m and "G" not in tokens and "H" not in tokens:
        year = int(m.group(1))
        if _HIJRI_MARK.search(tokens):
            d = _hijri_to_gregorian(year, 1, 1)
            return ParsedDate(date(d.year, 1, 1), "year", "hijri") if d else None
        return ParsedDate(date(year, 1, 1), "year")
    return None


def _only_date_words(tokens: str, span: tuple[int, int]) -> bool:
    rest = tokens[: span[0]] + " " + tokens[span[1]:]
    rest = _FILLER.sub(" ", _TIME.sub(" ", rest))
    return not re.search(r"[^\W\d_]", rest)


def _relative(tokens: str, ref: datetime | None) -> ParsedDate | None:
    """"منذ 3 ساعات", "أمس", "الخميس الماضي": read against the reference (None without one)."""
    m = _RELATIVE.search(tokens)
    if m:
        return _ago(m.group(1), m.group(2), ref) if _alone(tokens, m, ref) else None
    clock = _clock(_TIME.search(tokens))
    if _DAY_WORDS.search(tokens):  # "اليوم الجمعة", "أمس الخميس": the weekday is redundant
        tokens = _WEEKDAY_RE.sub(" ", tokens)
        m = _DAY_WORDS.search(tokens)
        if not _alone(tokens, m, ref):
            return None
        offset = -2 if m.group(1).startswith("اول") else _DAY_OFFSETS[m.group(1)]
        return _at(ref.date() + timedelta(days=offset), clock, ref.tzinfo)
    m = _WEEKDAY_RE.search(tokens)
    if not m or not _alone(tokens, m, ref):
        return None
    # The most recent such weekday on or before the reference day; "الماضي" (last ...) means strictly before it.
    back = (ref.weekday() - _WEEKDAY_TOKENS[m.group(1)]) % 7
    if back == 0 and re.search(r"(?<!\w)(?:الماضي|الفائت|المنصرم)(?!\w)", tokens):
        back = 7
    return _at(ref.date() - timedelta(days=back), clock, ref.tzinfo)


def _alone(tokens: str, m: re.Match, ref: datetime | None) -> bool:
    """The match is the whole date (only date words around it), and a reference to read it against exists."""
    return ref is not None and _only_date_words(tokens, m.span())


def _ago(count_word: str | None, unit_word: str, ref: datetime) -> ParsedDate:
    """"منذ ثلاث ساعات", "قبل يومين": the count of units before the reference, as precise as the unit."""
    unit = _UNITS[unit_word]
    if count_word is None:
        count: float = 2 if unit_word in _DUALS else 1
    elif count_word.isdigit():
        count = int(count_word)
    elif count_word in ("نصف", "ربع"):
        count = 0.5 if count_word == "نصف" else 0.25
    else:
        count = _NUMBER_WORDS[count_word]
    if unit in ("seconds", "minutes", "hours"):
        value = ref - timedelta(**{unit: count})
        if value.tzinfo is ASSUMED_UTC:  # an exact instant whatever the zone: nothing assumed
            value = value.replace(tzinfo=UTC)
        return ParsedDate(value.replace(second=0, microsecond=0), "minute")
    if unit in ("days", "weeks"):
        return ParsedDate((ref - timedelta(**{unit: count})).date(), "day")
    if unit == "months":
        months = ref.year * 12 + ref.month - 1 - int(count)
        return ParsedDate(date(months // 12, months % 12 + 1, 1), "month")
    return ParsedDate(date(ref.year - int(count), 1, 1), "year")


_STATED_ZONE = re.compile(r"[+-]\d{2}:?\d{2}\b|\b(?:utc|gmt|z)\b|\b[a-z]{2,4}t\b", re.I)


def _fallback(text: str, ref: datetime | None, zone: tzinfo) -> ParsedDate | None:
    """dateparser for Latin-script dates the fast path does not read."""
    import dateparser  # lazy: its first import and first call load locale data (slow)

    settings = {
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": getattr(zone, "key", "UTC"),
        "REQUIRE_PARTS": ["day", "month", "year"],
    }
    if ref is not None:
        settings["RELATIVE_BASE"] = ref.replace(tzinfo=None)
    try:
        value = dateparser.parse(text, languages=["en", "fr"], settings=settings)
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    if value is None:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    if has_time and zone is ASSUMED_UTC and not _STATED_ZONE.search(text):
        value = value.replace(tzinfo=ASSUMED_UTC)  # dateparser read it as UTC; nobody said so
    return ParsedDate(value, "minute") if has_time else ParsedDate(value.date(), "day")


def same_wall_clock_in(parsed: ParsedDate, tz: str | tzinfo | None) -> ParsedDate:
    """`parsed`'s wall-clock reading as a time of `tz` (assumed UTC, and saying so, when None):
    for a time a page labels UTC although it prints the site's local time (its byline shows the
    same reading)."""
    if not isinstance(parsed.value, datetime):
        return parsed
    return ParsedDate(parsed.value.replace(tzinfo=_zone(tz)), parsed.precision, parsed.calendar)


def coarser(parsed: ParsedDate, precision: str) -> ParsedDate:
    """`parsed` cut to `precision` ("year", "month" or "day"), never made finer."""
    if PRECISIONS.index(precision) >= PRECISIONS.index(parsed.precision):
        return parsed
    day = parsed.value.date() if isinstance(parsed.value, datetime) else parsed.value
    if precision == "year":
        day = day.replace(month=1, day=1)
    elif precision == "month":
        day = day.replace(day=1)
    return ParsedDate(day, precision, parsed.calendar)


def check_zone_and_reference(tz: str | tzinfo | None, reference: datetime | str | None) -> None:
    """Raise ValueError now for an unknown zone name or a malformed reference instant, the two
    mistakes of the caller's (not of the page) that parse_date reports."""
    _checked_reference(reference, _zone(tz))


def _checked_reference(reference, zone: tzinfo) -> datetime | None:
    try:
        return _reference(reference, zone)
    except (ValueError, OverflowError) as exc:  # OverflowError: the calendar's end, shown in the zone
        raise ValueError(f"bad reference instant: {reference!r}") from exc


def parse_date(
    text: str | None,
    reference: datetime | str | None = None,
    tz: str | tzinfo | None = None,
) -> ParsedDate | None:
    """Read one date out of `text`.

    - `reference`: the instant relative dates and weekdays are resolved against
      (the crawl time, or the page's machine-readable date). Without it they
      give None: this function never reads the machine's clock.
    - `tz`: IANA zone for times written without an offset (the site's zone);
      UTC when not given. Raises ValueError only for an unknown zone name.

    Returns None for anything that is not a date, including impossible dates
    such as "31 نيسان 2022". Never raises on any `text`.
    """
    zone = _zone(tz)
    if not text or not text.strip() or len(text) > 2000:
        return None
    ref = _checked_reference(reference, zone)
    folded = fold(text).strip()
    try:
        return _parse(text, folded, ref, zone)
    except (ValueError, OverflowError):
        # A shape matched but its numbers are out of any calendar's range ("0000",
        # "عام 0"): not a date. The hypothesis tests drive every path through here.
        return None


def _parse(text: str, folded: str, ref: datetime | None, zone: tzinfo) -> ParsedDate | None:
    try:
        found = _machine(folded, zone)
        if found is not None:
            return found
        tokens = _tokenise(folded)
        if "CONFLICT" in tokens:
            return None
        found = _explicit(tokens, zone)
        if found is not None:
            return found
        found = _relative(tokens, ref)
        if found is not None:
            return replace(found, relative=True)
    except _Invalid:
        return None
    if _LATIN_MONTH.search(folded) and re.search(r"\d{4}", folded):
        return _fallback(text, ref, zone)
    return None
