"""What a new site's entry should say, inferred from what it publishes: pure functions (no I/O).

    url_patterns(paths)      article URL patterns from the paths its feeds and sitemaps list
    zone_for(dated, host)    its IANA time zone from the UTC offsets of its own dates, else its country

crawler/sites/add.py fetches what these read; `rasid sites add` writes what they answer."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

# country code top-level domain -> the zone of its capital, for the region Rasid is built for
COUNTRY_ZONES = {
    "iq": "Asia/Baghdad", "sa": "Asia/Riyadh", "kw": "Asia/Kuwait", "qa": "Asia/Qatar", "bh": "Asia/Bahrain",
    "ae": "Asia/Dubai", "om": "Asia/Muscat", "ye": "Asia/Aden", "jo": "Asia/Amman", "sy": "Asia/Damascus",
    "lb": "Asia/Beirut", "ps": "Asia/Hebron", "eg": "Africa/Cairo", "sd": "Africa/Khartoum", "ly": "Africa/Tripoli",
    "tn": "Africa/Tunis", "dz": "Africa/Algiers", "ma": "Africa/Casablanca", "mr": "Africa/Nouakchott",
    "uk": "Europe/London", "fr": "Europe/Paris", "tr": "Europe/Istanbul",
}
# the zones Arabic news sites keep, most common first: a site's dates are matched against each
ZONES = ("Asia/Baghdad", "Asia/Riyadh", "Africa/Cairo", "Asia/Dubai", "Europe/London", "Asia/Amman", "Asia/Beirut",
         "Asia/Damascus", "Asia/Qatar", "Asia/Kuwait", "Africa/Casablanca", "Africa/Algiers", "Africa/Tunis",
         "Africa/Tripoli", "Africa/Khartoum", "Asia/Muscat", "Europe/Paris", "Europe/Istanbul")


def _fits(zone: str, dated: list[datetime]) -> bool:
    """Every date the site wrote has the offset this zone had at that instant (summer time included)."""
    tz = ZoneInfo(zone)
    return all(d.utcoffset() == d.astimezone(tz).utcoffset() for d in dated)


def zone_for(dated: list[datetime], host: str) -> tuple[str | None, str]:
    """(zone, how it was found) from the dates a site writes with their UTC offsets (machine-readable
    dates, timestamps in a zone, never an assumed one): the first zone, the country's first, whose
    offset at each of those instants is the one written. Offsets of +00:00 alone say little (a site
    may write UTC); then, and when no date has an offset, the country domain decides."""
    tld = host.rsplit(".", 1)[-1].lower()
    country = COUNTRY_ZONES.get(tld)
    local = [d for d in dated if d.utcoffset() is not None and d.utcoffset().total_seconds() != 0]
    offsets = sorted({d.isoformat()[-6:] for d in local})
    for zone in ([country] if country else []) + [z for z in ZONES if z != country]:
        if local and _fits(zone, local):
            return zone, f"its dates' UTC offsets ({', '.join(offsets)}; {len(local)} dates) fit {zone}"
    if country:
        return country, f"the country domain (.{tld})" + ("; its dates give no local offset" if not local else
                                                           f"; its offsets ({', '.join(offsets)}) fit no zone known")
    return None, "no local offset in its dates and no country domain"


_SEGMENT_SHAPES = [
    (re.compile(r"\d+"), r"\d+"), (re.compile(r"\d+[-_].*"), r"\d+[-_][^/]*"),
    (re.compile(r"\d+\.[A-Za-z]+"), r"\d+\.[A-Za-z]+"),
]
_DATE_PARTS = (r"\d{4}", r"\d{1,2}")


def _shape(segment: str, keep: set[str], before: str | None) -> str:
    """One path segment generalised; numbers after a year are its month and day."""
    if segment in keep:
        return re.escape(segment)
    if re.fullmatch(r"(19|20)\d\d", segment):
        return r"\d{4}"
    if re.fullmatch(r"\d{1,2}", segment) and before in _DATE_PARTS:
        return r"\d{1,2}"
    for test, shape in _SEGMENT_SHAPES:
        if test.fullmatch(segment):
            return shape
    return r"[^/]+"


def _path_shape(segments: list[str], keep: set[str]) -> str:
    shapes: list[str] = []
    for segment in segments:
        shapes.append(_shape(segment, keep, shapes[-1] if shapes else None))
    return "^/" + "/".join(shapes) + "/?$"


def url_patterns(paths: list[str], share: float = 0.1) -> list[str]:
    """Patterns (RE2-safe: no back-references, no nested quantifiers) for the article paths listed:
    each segment generalised (numbers, years, slugs), literal where most paths share it at that
    place (`/news/`, `/archives/`, `/ar/`); the shapes covering at least `share` of the paths."""
    split = [unquote(p).strip("/").split("/") for p in paths if p.strip("/")]
    if not split:
        return []
    literal: set[str] = set()
    for depth in range(max(len(s) for s in split)):
        at = Counter(s[depth] for s in split if len(s) > depth)
        literal |= {segment for segment, n in at.items() if n >= max(2, len(split) // 2) and not segment.isdigit()}
    shapes = Counter(_path_shape(s, literal) for s in split)
    return [shape for shape, n in shapes.most_common(3) if n >= share * len(split)]
