"""Dates, titles and charsets on real Arabic article pages (faithful excerpts, sources named in
tests/real_arabic/README.md): issue 26 §4 and §5, issue 32. Each family failed before its fix."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.http import HtmlResponse

from crawler.cli import main
from extract.article import extract_article
from extract.encoding import decode_html
from tests.conftest import ROOT

PAGES = Path(__file__).parent / "real_arabic"
LABELLED = Path(__file__).parent / "labelled" / "pages"
FETCHED = "2026-12-03T10:00:00+00:00"  # when the pages were read: after every date they hold


def read(name: str, replace: dict[str, str] | None = None) -> str:
    html = (PAGES / name).read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in html
        html = html.replace(old, new)
    return html


def extract(name: str, tz: str | None = None, url: str | None = None, replace: dict[str, str] | None = None):
    return extract_article(read(name, replace), url, reference=FETCHED, tz=tz)


def cli_extract(path: Path, *options: str) -> dict:
    result = CliRunner().invoke(main, ["extract", str(path), *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- issue 26 §4: a date that was right is right again --------------------------------------------


def test_a_drupal_date_field_that_agrees_with_the_byline_beats_htmldates_guess_from_print_edition_links():
    article = extract("tn-drupal-dcdate.html", tz="Africa/Tunis")
    assert (article.published.iso, article.published.precision) == ("2019-02-08", "day")
    assert "markup" in article.published_from


def test_the_agreeing_markup_date_wins_even_when_a_widget_date_is_the_first_date_on_the_page():
    # the print edition's block moved above the article: its date is now the first "date" element
    html = read("tn-drupal-dcdate.html")
    block = re.search(r'<div id="block-views-journal-block".*?</div></div>\s*</div>', html, re.S)[0]
    html = html.replace(block, "").replace('<div id="main">', block + '<div id="main">')
    article = extract_article(html, None, reference=FETCHED, tz="Africa/Tunis")
    assert article.published.iso == "2019-02-08"


@pytest.mark.parametrize("name, tz, expected", [
    ("eg-youm7-z.html", "Africa/Cairo", "2024-05-13T06:00:00+03:00"),
    ("ae-wire-utc.html", "Asia/Dubai", "2020-03-21T20:45:16+04:00"),
])
def test_a_time_labelled_utc_that_shows_the_bylines_wall_clock_is_the_sites_local_time(name, tz, expected):
    article = extract(name, tz=tz)
    assert article.published.iso == expected and not article.published.timezone_assumed
    assert article.modified.iso == expected  # the site that mislabels one time mislabels both


def test_rasid_extract_with_tz_reads_the_z_as_cairo_time():
    data = cli_extract(PAGES / "eg-youm7-z.html", "--tz", "Africa/Cairo")
    assert data["published"] == "2024-05-13T06:00:00+03:00" and data["timezone_assumed"] is False


@pytest.mark.parametrize("name, wall_clock", [("eg-youm7-z.html", "2024-05-13T06:00:00"),
                                              ("ae-wire-utc.html", "2020-03-21T20:45:16")])
def test_with_no_known_zone_the_zone_is_said_to_be_assumed(name, wall_clock):
    data = cli_extract(PAGES / name)
    assert data["published"].startswith(wall_clock) and data["timezone_assumed"] is True


def test_a_utc_time_that_is_right_stays_utc():
    # 16:45 UTC shown as 20:45 in the UAE: the label is right, nothing to move
    article = extract("ae-wire-utc.html", tz="Asia/Dubai", replace={"2020-03-21T20:45:16+00:00": "2020-03-21T16:45:16+00:00"})
    assert article.published.iso == "2020-03-21T16:45:16+00:00"


def test_a_utc_label_is_kept_on_a_site_whose_zone_is_utc():
    article = extract("ae-wire-utc.html", tz="Africa/Abidjan")
    assert article.published.value.utcoffset().total_seconds() == 0 and not article.published.timezone_assumed


# --- issue 26 §5: UTF-16 pages in Arabic ---------------------------------------------------------


def utf16_page() -> bytes:
    """The wire page's article as a page saved in UTF-16LE with no byte-order mark: its Arabic
    text leaves NUL bytes only in its few ASCII tags."""
    page = read("ae-wire-utc.html")
    article = re.search(r"<article.*</article>", page, re.S)[0]
    html = f'<html dir="rtl"><head><meta charset="utf-16"><title>وام</title></head><body>{article}</body></html>'
    return html.encode("utf-16-le")


def test_rasid_extract_reads_an_arabic_utf16_page_without_a_bom(tmp_path):
    body = utf16_page()
    assert body.count(0) < len(body) // 4  # Arabic letters in UTF-16 have no NUL byte: few NULs
    path = tmp_path / "page.html"
    path.write_bytes(body)
    data = cli_extract(path, "--tz", "Asia/Dubai")
    assert data["encoding"] == "utf-16-le" and data["title"] == "الإمارات تعلن إجراءات احترازية جديدة لمواجهة فيروس كورونا"
    assert "أعلنت الجهات المختصة في الدولة اليوم حزمة" in data["text"]


def test_a_crawl_reads_an_arabic_utf16_page_without_a_bom():
    sys.path.insert(0, str(ROOT / "tests"))
    from tests.test_spider import ARTICLE, spider

    news = spider()
    request = news.article_request(ARTICLE)
    response = HtmlResponse(url=request.url, status=200, body=utf16_page(), request=request,
                            headers={"Content-Type": "text/html"})
    (page,) = news.parse_article(response)
    assert "أعلنت الجهات المختصة في الدولة اليوم حزمة" in page.html


# --- issue 32: dates that are not made up ----------------------------------------------------------


def test_the_articles_own_address_ranks_above_a_widgets_glued_date():
    article = extract("sd-joomla-glued.html", tz="Africa/Khartoum")
    assert (article.published.iso, article.published.precision) == ("2020-06-02", "day")


def test_a_date_without_its_year_gets_no_year_from_the_fetch_time():
    article = extract("sd-joomla-glued.html", tz="Africa/Khartoum",
                      replace={"87799-2020-06-02-15-36-38": "87799", "سبتمبر2020": "سبتمبر"})
    assert article.published is None or not article.published.iso.startswith("2026")


def test_the_glued_widget_date_is_read_with_its_own_year_when_nothing_better_is_on_the_page():
    article = extract("sd-joomla-glued.html", tz="Africa/Khartoum", replace={"87799-2020-06-02-15-36-38": "87799"})
    assert article.published.iso == "2020-09-20"


def test_a_year_alone_is_a_year():
    article = extract("lb-year-only.html", tz="Asia/Beirut")
    assert (article.published.iso, article.published.precision) == ("2018", "year")


# --- issue 32: titles as the page shows them -------------------------------------------------------


def test_a_json_ld_headline_is_unescaped_once():
    assert extract("ru-jsonld-entities.html").title == 'روسيا: تسجيل 53 إصابة جديدة ب"كورونا" في يوم واحد'
    twice = extract("ru-jsonld-entities.html", replace={"ب&quot;كورونا&quot;": "ب&amp;quot;كورونا&amp;quot;"})
    assert twice.title == "روسيا: تسجيل 53 إصابة جديدة ب&quot;كورونا&quot; في يوم واحد"  # escaped twice: once undone


def test_a_section_heading_is_not_the_title():
    article = extract("sd-section-heading.html", tz="Africa/Khartoum")
    assert article.title == "رئيس الوزراء يلتقي وفد البنك الدولي لبحث دعم برنامج الإصلاح الاقتصادي"
    assert article.published.iso == "2020-10-14"


# --- no answer more precise than its source ---------------------------------------------------------


def _written(iso: str, precision: str, page: str) -> bool:
    """Whether `page` (markup and URL, digits folded) holds the date as precisely as claimed: the
    year for a year; year and month (a number or any word) for a month; for a day, the day and
    the year written together (numerically, or a few words apart)."""
    y, m, d = iso[:4], iso[5:7].lstrip("0"), iso[8:10].lstrip("0")
    if not re.search(rf"(?<!\d){y}(?!\d)", page):
        return False
    if precision == "year":
        return True
    if precision == "month":
        return re.search(rf"{y}\D{{0,3}}0?{m}(?!\d)|(?<!\d)0?{m}\D{{0,3}}{y}|[^\W\d]+\s*{y}", page) is not None
    numeric = rf"{y}\D?0?{m}\D?0?{d}(?!\d)|(?<!\d)0?{d}\D0?{m}\D{y}"
    near = rf"(?<!\d)0?{d}(?!\d)\D{{1,40}}{y}|{y}\D{{1,40}}(?<!\d)0?{d}(?!\d)"
    return re.search(numeric, page) is not None or re.search(near, page) is not None


def _pages_with_truthful_precision():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_real import CORPUS, load_corpus

    pages = [(p.name, p.read_bytes(), None) for p in sorted(PAGES.glob("*.html"))]
    pages += [(p.name, p.read_bytes(), None) for p in sorted(LABELLED.glob("*.html"))]
    if CORPUS.is_dir():
        pages += [(p["id"], p["body_bytes"], p["url"]) for p in load_corpus(sample=200) if p["id"].startswith("mc-")]
    return pages


@pytest.mark.slow  # about 60 pages of the corpus
def test_no_published_date_is_more_precise_than_the_page_writes_it():
    from extract.arabic import to_ascii_digits

    checked, wrong = 0, []
    for name, body, url in _pages_with_truthful_precision():
        html, _ = decode_html(body)
        article = extract_article(html, url, reference=FETCHED)
        date = article.published if article else None
        if date is None:
            continue
        checked += 1
        precision = date.precision if date.precision in ("year", "month") else "day"
        day = date.value.date().isoformat() if precision == "day" and hasattr(date.value, "date") else date.iso
        source = to_ascii_digits((url or "") + html)
        if not _written(day if precision == "day" else date.iso + "-01-01"[len(date.iso) - 4:], precision, source):
            wrong.append((name, date.iso, date.precision, article.published_from))
    assert checked >= 50 and not wrong, wrong
