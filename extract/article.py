"""Article extraction: a pure function of HTML (and its URL) to clean text and metadata.

    extract_article(html, url, hints=..., reference=..., tz=...) -> Article | None
    extract_page(page, hints=..., tz=...) -> Article | None   (a FetchedPage, as the crawl has it)

Order of work, each step a small function:
1. the page parsed without its comments (trafilatura's own parser drops them too; walking a
   tree that keeps them raised on 113 of 994 real pages);
2. metadata from what the page declares for machines (JSON-LD, Open Graph, article:* meta,
   <link rel=canonical>, <time datetime>), read before any cleaning;
3. bare trafilatura's text of the page, the floor: Rasid's text never keeps less than most of it;
4. the article body located and protected, the furniture removed around it (extract.body), and
   trafilatura reads what is left;
5. stock-phrase paragraphs, the repeated title and photo captions dropped;
6. dates through extract.dates: machine-readable first (a UTC label on the byline's own wall
   clock read in the site's zone), then a markup date agreeing with the visible byline, the
   article's own URL, the byline inside the article (never a header that shows today's date, and
   dates in lists of other stories last), then htmldate's own search, never more precise than
   the page writes it (see _dates).

It never raises on any page: if Rasid's rules fail, the answer is plain trafilatura's on the
same tree, and `rules_error` says why, so a crawl can record it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from extract.arabic import fold, is_mostly_arabic, to_ascii_digits
from extract.body import (
    block_text,
    looks_like_comments,
    main_content,
    pruned_by_trafilatura,
    remove_furniture,
    text_of,
)
from extract.clutter import OTHER_STORIES_CLASS_WORDS, class_words, is_clutter_line
from extract.dates import ParsedDate, check_zone_and_reference, coarser, parse_date, same_wall_clock_in
from extract.hints import ExtractionHints
from extract.instants import later_than_fetch, period_start
from extract.kind import article_evidence, ld_types
from extract.model import Article, FetchedPage

# trafilatura falls back to a one-line "baseline" text below 250 characters,
# which loses paragraph breaks on short news items: lower the threshold.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "50")
_BARE_CONFIG = use_config()  # trafilatura's defaults, for the floor (bare trafilatura's text)

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:«»]\s+")
_DATE_WORDS = {"date", "time", "published", "pubdate", "datetime", "timestamp"}
_HEADER_LIKE = re.compile(r"today|topbar|top-bar|header|site-date|current-date", re.I)


# --- 1. what the page declares -------------------------------------------------


def _json_ld(tree) -> dict:
    """The first NewsArticle/Article-like object in the page's JSON-LD (whatever else the
    scripts hold: broken JSON, a number where a list belongs, nested @graph and mainEntity)."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        seen = 0
        while stack and seen < 500:  # a bounded walk: a hostile page may nest without end
            item = stack.pop(0)
            seen += 1
            if not isinstance(item, dict):
                continue
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and (k.endswith("Article") or k == "Report") for k in kinds):
                return _unescaped(item)
            for key in ("@graph", "mainEntity", "mainEntityOfPage"):
                nested = item.get(key)
                stack.extend(nested if isinstance(nested, list) else [nested])
    return {}


def _unescaped(value, depth: int = 0):
    """JSON-LD's strings with the HTML entities many CMSs write into them (`&quot;كورونا&quot;`)
    read once: JSON has no entities, so they are the CMS's escaping, not the text."""
    if isinstance(value, str):
        return unescape(value) if "&" in value else value
    if depth > 20:  # a hostile page may nest without end
        return value
    if isinstance(value, dict):
        return {k: _unescaped(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescaped(v, depth + 1) for v in value]
    return value


def _ld_text(ld: dict, key: str) -> str | None:
    value = ld.get(key)
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value.strip() or None if isinstance(value, str) else None


def _meta_index(tree) -> dict[str, list[str]]:
    """Every <meta> content by its property and its name, read in one pass over the page."""
    index: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = (el.get("content") or "").strip()
        if content:
            for key in {el.get("property"), el.get("name")} - {None}:
                index.setdefault(key, []).append(content)
    return index


def _meta(metas: dict[str, list[str]], *names: str) -> str | None:
    for name in names:
        if metas.get(name):
            return metas[name][0]
    return None


def _name_of(value) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_name_of(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return value.get("name")
    return value if isinstance(value, str) and value.strip() else None


_text = text_of


def _strip_site_name(title: str, site_names: list[str], hints: ExtractionHints) -> str:
    """The title without a leading "Site name - " or a trailing " | Site name" (or a short
    trailing segment when the site's name is unknown). The rest is kept exactly as published."""
    if hints.title_suffix and title.endswith(hints.title_suffix):
        title = title[: -len(hints.title_suffix)]
    folded_names = {fold(n) for n in site_names if n}
    first = _TITLE_SEPARATORS.search(title)
    if first and fold(title[: first.start()].strip()) in folded_names:  # "المدينة نيوز - …": a prefix
        title = title[first.end():]
    while True:
        separators = list(_TITLE_SEPARATORS.finditer(title))
        if not separators:
            return title.strip()
        tail = title[separators[-1].end():].strip()
        if fold(tail) not in folded_names and (folded_names or len(tail) >= 25):
            return title.strip()
        title = title[: separators[-1].start()]


def _headline(tree, page_title: str | None, sections: set[str]):
    """The element that shows the article's headline: the first <h1> that is not a section's
    heading, else the headline the page marks (itemprop=headline, a heading whose class says
    title), else the first <h1>; on pages without one (old table layouts), the first element
    whose text is a part of <title>."""
    h1 = tree.xpath("//h1")
    own = [h for h in h1 if not _section_heading(tree, h, sections)]
    if own:
        return own[0]
    marked = next((el for el in _MARKED_HEADLINES(tree) if len(_text(el).split()) >= 3
                   and not class_words(el.get("class", "")).intersection(_SECTION_HEADING_WORDS)), None)
    if marked is not None or h1:
        return marked if marked is not None else h1[0]
    if not page_title:
        return None
    parts = {fold(part) for part in _TITLE_SEPARATORS.split(page_title) if len(part) > 10}
    body = tree.find("body")
    for el in (body if body is not None else tree).iter("font", "b", "strong", "h2", "h3", "div", "span", "td", "p"):
        if fold(_text(el)) in parts:
            return el
    return None


_MARKED_HEADLINES = etree.XPath('//*[@itemprop="headline"][not(self::meta)] | '
                                '//*[self::h2 or self::h3 or self::td or self::div][contains(@class, "itle") '
                                'or contains(@class, "eadline") or contains(@class, "contentheading")]')
_SECTION_HEADING_WORDS = frozenset({"componentheading", "section", "category", "page-header", "widget", "block"})


def _section_heading(tree, heading, sections: set[str]) -> bool:
    """A heading that names the page's section ("الاخبار", the same on every article of the
    site): a few words that the page also gives as its section or as a link of its own (a menu
    entry, a breadcrumb), or a heading whose class says so."""
    text = _text(heading)
    if not text or len(text.split()) > 4:
        return False
    if class_words(heading.get("class", "")).intersection(_SECTION_HEADING_WORDS):
        return True
    folded = fold(text)
    return folded in sections or any(fold(_text(a)) == folded for a in tree.iter("a")
                                     if not any(p is heading for p in a.iterancestors()))


# Wire services and the words of a credit line: a byline naming one of them is a source, not a person.
_AGENCIES = re.compile(r"(?<!\w)(?:وكاله|وكالات|رويترز|فرانس برس|ا ف ب|اف ب|الاناضول|اسوشيتد برس|د ب ا|واع|واس|قنا|"
                       r"بترا|سانا|وام|كونا|المحرر|محرر|التحرير|reuters|afp|ap|staff)(?!\w)")
_LINKISH = re.compile(r"https?://|www\.|\.(?:com|net|org|png|jpe?g|svg)\b|@\w", re.I)


def _dateline(text: str, site_name: str | None) -> bool:
    """"إيلاف من بغداد", "بيروت - العربي الجديد", "بغداد - واع": where and from whom the
    story comes (the site itself or a wire service), not who wrote it."""
    folded = fold(text)
    if site_name and len(site_name) > 2 and fold(site_name) in folded:
        return True
    return _AGENCIES.search(folded) is not None


def _clean_author(value: str | None, site_name: str | None) -> str | None:
    """A person's name from a byline, or None: never a dateline, a URL or a logo."""
    if not value:
        return None
    value = " ".join(value.split()).strip(" -–—|:،,")
    for prefix in ("بقلم", "كتب", "كتبت", "تقرير", "By", "by"):
        if value.startswith(prefix + " ") or value.startswith(prefix + ":"):
            value = value[len(prefix) + 1:].strip(" :")
    if not 1 < len(value) < 80 or _LINKISH.search(value) or _dateline(value, site_name):
        return None
    return value


def _author(tree, metas: dict, ld: dict, site_name: str | None) -> str | None:
    """The author: JSON-LD, then author meta tags, then a byline element (its itemprop=name
    when it has one, so a logo or a profile link beside the name stays out)."""
    declared = [_name_of(ld.get("author")), _meta(metas, "author"), _meta(metas, "article:author")]
    for value in declared:
        if _clean_author(value, site_name):
            return _clean_author(value, site_name)
    bylines = tree.xpath('//*[@rel="author" or @itemprop="author" or contains(concat(" ", @class, " "), " author ")]')
    for el in bylines:
        named = el.xpath('.//*[@itemprop="name"]')
        author = _clean_author(_text(named[0]) if named else _text(el), site_name)
        if author:
            return author
    return None


# --- 2. metadata ------------------------------------------------------------------


def _split_tags(values: list[str]) -> list[str]:
    """Tags as a list: "a, b" and "أ، ب" split, each tag once, in page order."""
    out: list[str] = []
    for value in values:
        for tag in re.split(r"\s*[,،;]\s*", value):
            tag = " ".join(tag.split())
            if tag and tag not in out:
                out.append(tag)
    return out


def _metadata(tree, metas: dict, ld: dict, url: str | None, hints: ExtractionHints) -> dict:
    """What the page declares about itself, read before any cleaning."""
    site_name = _meta(metas, "og:site_name") or _name_of(ld.get("publisher"))
    page_title = " ".join((tree.findtext(".//title") or "").split()) or None
    section = _meta(metas, "article:section") or _ld_text(ld, "articleSection")
    headline = _headline(tree, page_title, {fold(section)} if section else set())
    raw_title = _ld_text(ld, "headline") or _meta(metas, "og:title")
    raw_title = raw_title or (_text(headline) if headline is not None else page_title)
    title = _strip_site_name(" ".join(raw_title.split()), [site_name or ""], hints) if raw_title else None

    canonical = tree.xpath('//link[@rel="canonical"]/@href') or [_meta(metas, "og:url")]
    canonical_url = urljoin(url or "", canonical[0].strip()) if canonical and canonical[0] else None
    image = _meta(metas, "og:image")
    if not image:
        ld_image = ld.get("image")
        ld_image = ld_image[0] if isinstance(ld_image, list) and ld_image else ld_image
        image = ld_image if isinstance(ld_image, str) else (ld_image.get("url") if isinstance(ld_image, dict)
                                                              and isinstance(ld_image.get("url"), str) else None)
    tags = _split_tags(metas.get("article:tag", []))
    keywords = ld.get("keywords")
    if not tags and isinstance(keywords, str | list):
        tags = _split_tags([keywords] if isinstance(keywords, str) else [str(k) for k in keywords])
    if not tags:
        tags = _split_tags([_text(a) for a in tree.xpath('//a[@rel="tag"]')])
    if not section:
        cats = tree.xpath('//*[contains(@class, "post-cat") or contains(@class, "category")]//a')
        section = _text(cats[0]) if cats else None
    return {"site_name": site_name, "headline": headline, "title": title, "canonical_url": canonical_url,
            "image": image, "section": section, "tags": tags, "author": _author(tree, metas, ld, site_name),
            "lang": tree.get("lang") or _meta(metas, "og:locale")}


def _with_lede(tree, ld: dict, paragraphs: list[str]) -> list[str]:
    """The lead paragraph some sites keep beside the body ([itemprop=description] next to
    [itemprop=articleBody]), put first when the text does not have it yet."""
    for el in tree.xpath('//*[@itemprop="description"][not(self::meta)]'):
        lede = _text(el)
        if len(lede) >= 40 and not is_clutter_line(lede) and not any(fold(lede) in fold(p) for p in paragraphs):
            return [lede, *paragraphs]
    return paragraphs


# --- 4. paragraphs ---------------------------------------------------------------


_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _clean_paragraphs(text: str, title: str | None, captions: list[str]) -> list[str]:
    drop = {fold(c) for c in captions}
    if title:
        drop.add(fold(title))
    out: list[str] = []
    last = None  # the folded form of out[-1]
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line or is_clutter_line(line):
            continue
        folded = fold(line)
        if folded in drop or any(folded in c and len(folded) >= 0.6 * len(c) for c in drop if len(folded) > 15):
            continue  # the title again, or a caption (or most of one): not a paragraph of the article
        if len(line) < 60 and not line.startswith("|") and _has_digit(line) and parse_date(line) is not None:
            continue  # a byline date left in the body: "05 جوان 2024 | 14:20"
        if folded == last:
            continue
        out.append(line)
        last = folded
    return out


# --- 5. dates ----------------------------------------------------------------------


def _in_site_header(el) -> bool:
    """Inside the site's header or top bar, whose date is "today", not the article's.
    An article's own header holds its headline; a site's header does not."""
    return any((a.tag in ("header", "nav") or _HEADER_LIKE.search(a.get("class", ""))) and not a.xpath(".//h1")
               for a in el.iterancestors())


# every _DATE_WORDS word contains one of these, as written in lower case or capitalised
_DATE_MARKED = etree.XPath("//*[" + " or ".join(f"contains(@{a}, '{w}')" for a in ("class", "itemprop")
                                                 for w in ("date", "Date", "time", "Time", "ublish")) + "]")


def _visible_dates(tree, hints: ExtractionHints, headline) -> list[str]:
    """Texts that may show the publication date, best first: the site's hint,
    elements whose class says date/time, then short lines just after the title
    (where bylines sit on sites we have never seen)."""
    found: list[str] = []
    if hints.date_selector:
        found += [_text(el) for el in tree.cssselect(hints.date_selector)]
    elsewhere: list[str] = []
    for el in _DATE_MARKED(tree):  # libxml2 picks the few candidates; class_words decides
        marker = f"{el.get('class', '')} {el.get('itemprop', '')}"
        if not _DATE_WORDS.isdisjoint(class_words(marker)) and not _HEADER_LIKE.search(marker) \
                and not _in_site_header(el):
            (elsewhere if _among_other_stories(el) else found).append(_text(el))
    if headline is not None:
        for n, el in enumerate(headline.itersiblings(etree.Element)):
            if n >= 6:
                break
            text = _text(el)
            if 0 < len(text) < 80 and not _in_site_header(el):
                found.append(text)
    return [f for f in found + elsewhere if f and len(f) < 120]


def _among_other_stories(el) -> bool:
    """In a list of other stories (a widget, a sidebar, "latest news", an item with its own link):
    its date is theirs, ranked after every other candidate."""
    for a in el.iterancestors():
        if a.tag == "aside" or (a.tag == "li" and a.find(".//a[@href]") is not None) \
                or not OTHER_STORIES_CLASS_WORDS.isdisjoint(class_words(f"{a.get('class', '')} {a.get('id', '')}")):
            return True
    return False


def _first_date(candidates: list[str | None], reference, tz) -> ParsedDate | None:
    for candidate in candidates:
        if isinstance(candidate, str) and candidate:
            parsed = parse_date(candidate, reference, tz)
            if parsed is not None:
                return parsed
    return None


def _htmldate(tree, url: str | None, reference, extensive: bool) -> ParsedDate | None:
    """htmldate's own search (what trafilatura uses): without `extensive`, only the markers a
    page sets for machines wherever they are (meta tags of every name, itemprop, the URL's date
    path); with it, also free text through dateparser. A day, never later than the fetch, and
    never more than the page holds (_written_on_page)."""
    from htmldate import find_date  # lazy: only pages without a date we can read need it

    latest = str(reference)[:10] if reference is not None else "2100-01-01"  # never the machine's clock
    try:
        found = find_date(tree, extensive_search=extensive, original_date=True, url=url, max_date=latest)
    except Exception:  # noqa: BLE001 — htmldate's own failure is only a missing date
        return None
    parsed = parse_date(found) if found else None
    return _written_on_page(parsed, tree, url) if parsed else None


def _written_on_page(found: ParsedDate, tree, url: str | None) -> ParsedDate | None:
    """htmldate's day as precise as the page writes it. htmldate answers a day whatever it read:
    a year alone ("© 2018", a link named "…2018") comes back as 1 January, a month as its 1st,
    and a day with no year (dateparser's reading of "20 سبتمبر") gets the year of the machine's
    clock. So its day stands where the page writes that day with that year (numerically, or the
    day and the year a few words apart, as "20 سبتمبر2020" and "June 2, 2020" have them); a 1st
    that is not written is the month (a 1 January, the year) when the page writes the year; any
    other day the page does not write is no date at all."""
    page = to_ascii_digits((url or "") + " " + etree.tostring(tree, encoding="unicode", method="html"))
    day = found.value
    y, m, d = f"{day.year:04d}", rf"0?{day.month}", rf"0?{day.day}"
    written = (rf"(?<!\d){y}[-/._]?{m}[-/._]?{d}(?!\d)|(?<!\d){d}[-/._]{m}[-/._](?:{y}|{y[2:]})(?!\d)"
               rf"|(?<!\d){d}(?!\d)[^<>\d]{{1,30}}(?<!\d){y}(?!\d)|(?<!\d){y}(?!\d)[^<>\d]{{1,30}}(?<!\d){d}(?!\d)")
    if re.search(written, page):
        return found
    if day.day != 1 or not re.search(rf"(?<!\d){y}(?!\d)", page):
        return None
    return coarser(found, "year" if day.month == 1 else "month")


def _day(date: ParsedDate) -> str:
    return date.iso[:10]


# RDFa, Dublin Core and schema.org names a page's own markup gives its publication date under,
# besides JSON-LD and the Open Graph/article meta (Drupal writes `property="dc:date"`).
_MARKUP_DATE_NAMES = frozenset({"dc:date", "dc:created", "dc:issued", "dcterms:created", "dcterms:issued",
                                "dcterms:date", "schema:datepublished", "datepublished", "dc.date", "dc.date.issued",
                                "dc.date.created", "dcterms.created", "dcterms.issued", "dcterms.date"})
_MARKUP_DATES = etree.XPath("//*[@content and (@property or @name or @itemprop)] | //time[@datetime]")


def _markup_dates(tree, reference, tz) -> list[ParsedDate]:
    """Days and times the page's own markup declares (RDFa, Dublin Core, itemprop, <time>)."""
    found = []
    for el in _MARKUP_DATES(tree):
        if el.tag == "time":
            value = el.get("datetime")
        else:
            names = f"{el.get('property', '')} {el.get('name', '')} {el.get('itemprop', '')}".lower().split()
            value = el.get("content") if _MARKUP_DATE_NAMES.intersection(names) else None
        parsed = parse_date(value, reference, tz) if value else None
        if parsed is not None and parsed.precision not in ("year", "month"):
            found.append(parsed)
    return found


def _local_day(date: ParsedDate, tz) -> str:
    """The day a date names where the site is (an instant read in the site's zone; a day as written)."""
    if isinstance(date.value, datetime) and tz:
        return date.value.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz).date().isoformat()
    return _day(date)


def _wall_clock(date: ParsedDate) -> tuple | None:
    value = date.value
    return (value.date(), value.hour, value.minute) if isinstance(value, datetime) else None


def _labelled_utc(date: ParsedDate | None) -> bool:
    return date is not None and _wall_clock(date) is not None and not date.timezone_assumed \
        and date.value.utcoffset() == timedelta(0)


def _utc_that_is_local(machine: ParsedDate, byline: ParsedDate | None, tz) -> ParsedDate | None:
    """A machine time labelled UTC ("Z", "+00:00") whose wall clock is the visible byline's, on
    a site whose zone is not UTC: the label is wrong (the site writes its local time with "Z"),
    so the same reading in the site's zone; with no zone known, in UTC, said to be assumed."""
    if byline is None or not _labelled_utc(machine) or _wall_clock(machine) != _wall_clock(byline):
        return None
    local = same_wall_clock_in(machine, tz)
    if not local.timezone_assumed and local.value.utcoffset() == timedelta(0):
        return None  # the site's zone is UTC at that time: the label was right
    return local


def _agrees(machine: ParsedDate, byline: ParsedDate, tz) -> bool:
    """Whether a machine date and the byline name the same day (and, where both have one, the
    same time: as an instant, or as a wall clock mislabelled UTC)."""
    if _wall_clock(machine) is not None and _wall_clock(byline) is not None:
        return abs((machine.value - byline.value).total_seconds()) <= 60 or \
            _utc_that_is_local(machine, byline, tz) is not None
    return _local_day(machine, tz) == _day(byline) or _day(machine) == _day(byline)


# A day in an address, as htmldate reads one (its COMPLETE_URL, htmldate 1.10-1.11): owned here,
# htmldate.extractors not being part of its public API.
_URL_DAY = re.compile(r"\D((?:199[0-9]|20[0-3][0-9]))[/_-]([0-1]?[0-9])[/_-]([0-3]?[0-9])(?:\D|$)")


def _url_date(urls: list[str | None]) -> ParsedDate | None:
    """The day in the article's own address (its URL, canonical URL or og:url: "/2020/06/02/",
    "/87799-2020-06-02-15-36-38")."""
    for url in urls:
        m = _URL_DAY.search(url) if url else None
        if m:
            parsed = parse_date(f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}")
            if parsed is not None:
                return parsed
    return None


def _dates(tree, metas: dict, ld: dict, headline, hints: ExtractionHints, reference, tz, feed_published,
           url: str | None, own_urls: list[str | None]) -> tuple[ParsedDate | None, ParsedDate | None, str | None]:
    """(published, modified, where published came from), read before the furniture (date lines among it) is removed:
    1. what the page declares for machines: JSON-LD and meta tags (the earliest where they
       disagree: a later one is an update), else a <time datetime> in the article; a time there
       labelled UTC that shows the byline's wall clock is the site's local time;
    2. the feed's or sitemap's date for the URL;
    3. a date in the page's own markup (RDFa dc:date, Dublin Core, itemprop, <time>) that agrees
       with the visible byline;
    4. the day in the article's own URL or canonical URL, above dates in widgets and lists of
       other stories (the byline when it names the same day: it may have a time);
    5. the visible byline, checked against htmldate's machine markers (meta tags of other
       names): where they give different days the marker wins, unless the byline has a time
       and is one day off (the zone, not another date);
    6. htmldate's free-text search.
    htmldate's answers are only as precise as the page writes them (_written_on_page)."""
    bylines = _Parsed(lambda: _visible_dates(tree, hints, headline), reference, tz)
    byline = bylines.first

    declared = [parse_date(v, reference, tz) if isinstance(v, str) else None for v in (
        _ld_text(ld, "datePublished"), _meta(metas, "article:published_time", "datePublished", "pubdate",
                                             "publishdate"))]
    declared = [d for d in declared if d is not None and d.precision not in ("year", "month")]
    published = min(declared, key=_sort_key) if declared else None
    source = "declared for machines (JSON-LD, meta)" if published else None
    if published is None:
        published = _first_date(tree.xpath("//article//time/@datetime | //main//time/@datetime"), reference, tz)
        source = "a <time datetime> in the article" if published else None
    local = _utc_that_is_local(published, bylines.first_showing(published.value), tz) \
        if _labelled_utc(published) else None
    if local is not None:
        published, source = local, source + ", labelled UTC but the byline's local time"
    if published is None and feed_published:
        published = _first_date([feed_published], reference, tz)
        source = "the feed or sitemap" if published else None
    if published is None and byline() is not None:
        markup = _markup_dates(tree, reference, tz)
        agreeing = next(((m, b) for b in bylines.first_ones(3) for m in markup if _agrees(m, b, tz)), None)
        if agreeing:
            machine, shown = agreeing
            published = _utc_that_is_local(machine, shown, tz) or machine
            if _wall_clock(shown) is None and _wall_clock(machine) is not None and machine.value.hour == 0 \
                    and machine.value.minute == 0:
                published = shown  # a midnight stamp beside a byline with no time: a day, not a time
            source = "the page's markup, agreeing with its byline"
    if published is None:
        in_url = _url_date(own_urls)
        if in_url is not None:
            same_day = byline() is not None and _day(byline()) == _day(in_url)
            published, source = (byline(), "the visible byline") if same_day else (in_url, "the article's URL")
    if published is None:
        visible = byline()
        marked = _htmldate(tree, url, reference, extensive=False)
        published, source = (visible, "the visible byline") if visible else (marked, "htmldate's markers")
        if visible is not None and marked is not None and _days_apart(visible, marked) > (
                1 if isinstance(visible.value, datetime) else 0):
            # a timed local byline one day off a marker is the zone (a UTC timestamp just before
            # local midnight), not a different date; further apart, the marker is the page's own
            published, source = marked, "htmldate's markers"
    if published is None:
        published = _htmldate(tree, url, reference, extensive=True)
        source = "htmldate's search of the text" if published else None
    modified = _first_date([_ld_text(ld, "dateModified"), _meta(metas, "article:modified_time", "dateModified")],
                           reference, tz)
    if local is not None and _labelled_utc(modified):
        modified = same_wall_clock_in(modified, tz)  # the site that mislabels one time mislabels both
    return published, modified, source


class _Parsed:
    """The visible date candidates, parsed only as far as they are asked for: a candidate that is
    no Arabic date goes to dateparser (tens of milliseconds), and most pages need the first."""

    def __init__(self, texts, reference, tz):
        self._texts, self._reference, self._tz = texts, reference, tz
        self._pending = None
        self._texts_list: list[str] | None = None
        self._found: list[ParsedDate] = []

    def first_ones(self, count: int) -> list[ParsedDate]:
        if self._pending is None:
            self._pending = iter(self._all())
        while len(self._found) < count:
            text = next(self._pending, None)
            if text is None:
                break
            parsed = parse_date(text, self._reference, self._tz)
            if parsed is not None:
                self._found.append(parsed)
        return self._found[:count]

    def first(self) -> ParsedDate | None:
        found = self.first_ones(1)
        return found[0] if found else None

    def first_showing(self, clock: datetime) -> ParsedDate | None:
        """The first candidate that shows `clock`'s hour and minute (on a 24- or 12-hour dial):
        only those are read."""
        hours = {clock.hour, (clock.hour - 1) % 12 + 1}
        shows = re.compile(rf"(?<!\d)0?(?:{'|'.join(map(str, hours))})[:٫]{clock.minute:02d}(?!\d)")
        texts = [t for t in self._all() if shows.search(to_ascii_digits(t))]
        return _first_date(texts, self._reference, self._tz)

    def _all(self) -> list[str]:
        if self._texts_list is None:
            self._texts_list = self._texts()
        return self._texts_list


# Where a publication date comes from elsewhere than the page's own word for it: the feed's date is
# there only when the crawl read the feed first; htmldate's search of the text can pick a date from a
# box that rotates; and htmldate's markers take a page's "modified" stamp (article:modified_time,
# og:updated_time) where it has no publication marker, and let it beat the visible byline
# (RELIABILITY.md counts the corpus pages this misled). A date read relative to
# the fetch is estimated too (ParsedDate.relative).
ESTIMATED_SOURCES = frozenset({"the feed or sitemap", "htmldate's markers", "htmldate's search of the text"})


def _days_apart(a: ParsedDate, b: ParsedDate) -> int:
    from datetime import date as day

    return abs((day.fromisoformat(_day(a)) - day.fromisoformat(_day(b))).days)


def _sort_key(date: ParsedDate) -> datetime:
    """Instants compare as instants, a day as its start (extract.instants: compared, never converted,
    so a date at the calendar's end in a zone east of UTC cannot overflow and cost the page its rules)."""
    return period_start(date.iso) or datetime.max.replace(tzinfo=UTC)


# --- the function ---------------------------------------------------------------


# Control characters and noncharacters lxml refuses in text (it raises when a subtree is dropped
# and texts are re-joined, and trafilatura then returns no text at all: one U+FFFE in a paragraph
# cost the whole article); they carry nothing a reader sees. Noncharacters are never text (Unicode
# reserves them for a program's internal use), so all 66 go, not only the two lxml refuses. C1
# controls go too: Python's str.split() takes U+0085 for a space, which split a word in two.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
# The noncharacters of the other planes apart: one code point past U+FFFF in a character class makes
# `re` test every character of the page against its ranges one by one, instead of in a table.
_ASTRAL_NONCHARACTERS = re.compile(
    "[" + "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0x10000, 0x110000, 0x10000)) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _without_controls(html: str) -> str:
    html = _CONTROL.sub("", html)
    return _ASTRAL_NONCHARACTERS.sub("", html) if not html.isascii() and _ASTRAL.search(html) else html


# Comments and processing instructions go at parse time, as trafilatura's own parser does: text
# after an inline <!-- --> stays with its paragraph, and no walk of the tree meets a comment node.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)


# lxml refuses a str that opens with an XML declaration naming an encoding (XHTML pages do);
# the text is already decoded, so the declaration says nothing any more.
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_html(html: str | bytes) -> etree._Element | None:
    if isinstance(html, str):
        html = _XML_DECLARATION.sub("", _without_controls(html), count=1)
    try:
        tree = lxml.html.fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return tree if tree is not None and len(tree) else None


def _trafilatura_text(tree, url: str | None, favor_recall: bool, config=_TRAFILATURA_CONFIG) -> str:
    return trafilatura.extract(tree, url=url, include_comments=False, include_tables=True, include_images=False,
                               include_links=False, favor_recall=favor_recall, deduplicate=False,
                               with_metadata=False, output_format="txt", config=config) or ""


def _kept(ours: str, floor: str) -> float:
    """Share of the floor text's words (counted with repeats) that `ours` keeps."""
    want = Counter(floor.split())
    total = sum(want.values())
    return sum((Counter(ours.split()) & want).values()) / total if total else 1.0


# Rasid's text must keep at least this share of bare trafilatura's words wherever trafilatura
# finds FLOOR_CHARS or more: below it, the rules have cut into the article, and trafilatura's text
# (with Rasid's paragraph rules) is the answer. On the labelled Arabic pages Rasid keeps 0.62-1.0 of
# trafilatura's words (trafilatura's extra words are the clutter); on real pages where a rule cut
# the body it kept under 0.35.
KEEP_SHARE = 0.6
FLOOR_CHARS = 100


def extract_article(
    html: str,
    url: str | None = None,
    *,
    hints: ExtractionHints | None = None,
    reference: datetime | str | None = None,
    tz: str | None = None,
    feed_published: str | None = None,
) -> Article | None:
    """Clean article text and metadata from one page; None if there is no article.

    `reference` is the instant relative dates on the page are read against
    (the fetch time); `tz` the site's zone; `feed_published` a date the feed
    or sitemap gave for this URL, used when the page declares none itself.
    Raises ValueError only for an unknown `tz` or a malformed `reference`; never for the page.
    """
    check_zone_and_reference(tz, reference)
    hints = hints or ExtractionHints()
    joiners = isinstance(html, str) and ("\u200c" in html or "\u200d" in html)
    if joiners:
        html = html.replace("\u200c", _ZWNJ).replace("\u200d", _ZWJ)
    tree = parse_html(html)
    if tree is None:
        return None
    try:
        article = _extract(html, tree, url, hints, reference, tz, feed_published)
    except Exception as exc:  # noqa: BLE001 — any failure of our rules: trafilatura's answer, and why
        article = _plain(parse_html(html), url, f"{type(exc).__name__}: {exc}")
    article = refuse_later_claims(article, reference)
    return _with_joiners(article) if joiners else article


def refuse_later_claims(article: Article | None, fetched: datetime | str | None) -> Article | None:
    """The dates chosen, checked against the fetch they were read in: a publication or modification
    date later than it (a day allowed for zones; extract.instants) is a claim the page makes, not the
    article's date, and is kept as written in `<name>_refused`. A step of its own after the choice
    of dates, whatever chose them."""
    if article is None:
        return None
    for name in ("published", "modified"):
        date: ParsedDate | None = getattr(article, name)
        if date is not None and later_than_fetch(date.iso, fetched):
            setattr(article, name, None)
            setattr(article, f"{name}_refused", date.iso)
            if name == "published":
                article.published_from = None
    return article


def extract_page(page: FetchedPage, *, hints: ExtractionHints | None = None, tz: str | None = None) -> Article | None:
    """extract_article on a fetched page: its relative dates read against the fetch time, the
    feed's date for it used when the page declares none."""
    return extract_article(page.html or "", page.url, hints=hints, reference=page.fetched_at, tz=tz,
                           feed_published=page.feed_published)


# Zero-width (non-)joiners are letters' business in Persian and Urdu ("می‌خواهم"), but trafilatura
# drops every character str.isprintable() refuses. They cross it as two printable stand-ins that
# no page uses, and are put back in every field.
_ZWNJ, _ZWJ = "\U0001f700", "\U0001f701"


def _with_joiners(article: Article | None) -> Article | None:
    if article is None:
        return None
    for name, value in vars(article).items():
        if isinstance(value, str):
            setattr(article, name, value.replace(_ZWNJ, "\u200c").replace(_ZWJ, "\u200d"))
        elif isinstance(value, list):
            setattr(article, name, [v.replace(_ZWNJ, "\u200c").replace(_ZWJ, "\u200d") if isinstance(v, str) else v
                                    for v in value])
    return article


def _plain(tree, url: str | None, why: str) -> Article | None:
    """Bare trafilatura's article, for a page on which Rasid's own rules failed."""
    try:
        doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False)
    except Exception:  # noqa: BLE001 — trafilatura's own failure leaves no article
        doc = None
    if doc is None:
        return None
    text = "\n\n".join(" ".join(line.split()) for line in (doc.text or "").splitlines() if line.strip())
    if not text and not doc.title:
        return None
    date = parse_date(doc.date) if doc.date else None
    is_article, evidence = article_evidence(ld_types(tree), None, text)
    return Article(title=doc.title, text=text, published=date, author=doc.author,
                   canonical_url=doc.url, lang=doc.language, site_name=doc.sitename,
                   published_estimated=date is not None,  # htmldate's, wherever it found it
                   rules_error=why, is_article=is_article, evidence=evidence)


def _extract(html, tree, url, hints, reference, tz, feed_published) -> Article | None:
    ld = _json_ld(tree)
    declared = ld_types(tree)
    metas = _meta_index(tree)
    meta = _metadata(tree, metas, ld, url, hints)
    published, modified, published_from = _dates(tree, metas, ld, meta["headline"], hints, reference, tz,
                                                 feed_published, url, [url, meta["canonical_url"],
                                                                       _meta(metas, "og:url")])

    body, evidence = main_content(tree, ld)
    body_before = _text(body) if body is not None else ""
    captions = remove_furniture(tree, hints, body)
    body_after = _text(body) if body is not None else ""
    ours = _trafilatura_text(tree, url, favor_recall=True)
    if evidence not in (None, "weak") and len(body_after) >= 200 and _kept(ours, body_after) < KEEP_SHARE \
            and pruned_by_trafilatura(tree, body) and not looks_like_comments(body):
        # trafilatura's own pruning dropped the body we found and protected (it removes any element
        # whose class says "comment" or "sidebar", whatever it holds): read the body directly
        ours = block_text(body)
    # The floor is bare trafilatura's text of the untouched page. It is only needed where a rule may
    # have cut into the article: no body found, the rules took a fifth of the body, or trafilatura's
    # text of the cleaned page leaves a fifth of the body out. Elsewhere trafilatura would read that
    # same element (itemprop=articleBody and BODY_GUESSES are its own first choices; the densest
    # block is the article everywhere we measured), and the second run is saved.
    elif evidence in (None, "weak") or _kept(body_after, body_before) < 0.8 or _kept(ours, body_after) < 0.8:
        floor = _trafilatura_text(parse_html(html), url, favor_recall=False, config=_BARE_CONFIG)
        if len(floor) >= FLOOR_CHARS and _kept(ours, floor) < KEEP_SHARE:
            ours = floor  # a rule cut into the article: never less than trafilatura gives
    paragraphs = _clean_paragraphs(ours, meta["title"], captions)
    paragraphs = _with_lede(tree, ld, paragraphs)
    if not paragraphs and not meta["title"]:
        return None
    text = "\n\n".join(paragraphs)
    lang = meta["lang"] or ("ar" if is_mostly_arabic(text) else None)
    is_article, evidence = article_evidence(declared, _meta(metas, "og:type"), text)
    return Article(
        title=meta["title"], text=text, published=published, modified=modified, author=meta["author"],
        section=meta["section"], tags=meta["tags"], image=meta["image"], canonical_url=meta["canonical_url"],
        lang=lang, site_name=meta["site_name"], is_article=is_article, evidence=evidence,
        published_from=published_from,
        published_estimated=published is not None and (published.relative or published_from in ESTIMATED_SOURCES),
    )
