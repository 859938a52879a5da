"""A date a page claims later than Rasid's fetch of it is not the article's date: it is kept as a
refused claim, in `rasid extract`'s JSON (and said on stderr), in the store and on the article page."""

from __future__ import annotations

import json

from click.testing import CliRunner

from crawler.cli import main
from db.store import Store
from extract.article import extract_article
from extract.model import FetchedPage
from monitor.recorder import Recorder
from tests.test_extreme_values import answers_of

FETCHED = "2026-12-03T10:00:00.000+00:00"
BODY = "".join(f"<p>{'أعلنت الوزارة اليوم عن خطة جديدة لتحسين الخدمات في المحافظات الجنوبية. ' * 3}{n}</p>"
               for n in range(3))


def page(published: str, modified: str | None = None, byline: str = "") -> str:
    meta = f'<meta property="article:published_time" content="{published}">'
    if modified:
        meta += f'<meta property="article:modified_time" content="{modified}">'
    return (f'<html><head><title>خطة جديدة للخدمات</title><meta property="og:type" content="article">{meta}'
            f'</head><body><h1>خطة جديدة للخدمات</h1>{byline}<article>{BODY}</article></body></html>')


def test_a_publication_date_in_9999_is_refused_and_kept_as_a_claim():
    html = page("9999-12-31T22:00:00+00:00", modified="9999-12-31T23:00:00+00:00")
    article = extract_article(html, "https://www.ina.iq/1--.html", reference=FETCHED, tz="Asia/Baghdad")
    assert article.published is None and article.published_refused == "9999-12-31T22:00:00+00:00"
    assert article.modified is None and article.modified_refused == "9999-12-31T23:00:00+00:00"
    assert article.as_dict()["published_refused"] == "9999-12-31T22:00:00+00:00"


def test_a_claim_within_a_day_of_the_fetch_is_the_sites_zone_not_the_future():
    # 01:00 in Baghdad on the 4th is 22:00 UTC on the 3rd: after this fetch, but only by the zone
    article = extract_article(page("2026-12-04T01:00:00+03:00"), "https://www.ina.iq/1--.html",
                              reference="2026-12-03T21:30:00+00:00", tz="Asia/Baghdad")
    assert article.published.iso == "2026-12-04T01:00:00+03:00" and article.published_refused is None
    # a date a day and more ahead of the fetch is refused, whatever its precision
    article = extract_article(page("2026-12-05"), "https://www.ina.iq/1--.html", reference=FETCHED,
                              tz="Asia/Baghdad")
    assert article.published is None and article.published_refused == "2026-12-05"


def test_without_a_fetch_time_no_claim_is_judged():
    article = extract_article(page("9999-12-31T22:00:00+00:00"), "https://www.ina.iq/1--.html")
    assert article.published.iso == "9999-12-31T22:00:00+00:00" and article.published_refused is None


def test_rasid_extract_prints_the_refused_claim_and_says_why(tmp_path):
    saved = tmp_path / "page.html"
    saved.write_text(page("9999-12-31T22:00:00+00:00"), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(saved), "--url", "https://www.ina.iq/1--.html",
                                       "--reference", FETCHED])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["published"] is None and data["published_precision"] is None
    assert data["published_refused"] == "9999-12-31T22:00:00+00:00" and data["modified_refused"] is None
    # the fetch time as --reference gave it, read as every typed time is (crawler/usertime.py)
    assert result.stderr.strip() == ("rasid: published 9999-12-31T22:00:00+00:00 refused: later than the fetch "
                                     "(2026-12-03T10:00:00+00:00); not taken as the article's date")


def test_the_refused_claim_is_stored_and_the_article_keeps_no_date(tmp_path):
    store = Store(tmp_path / "rasid.db")
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    html = page("9999-12-31T22:00:00+00:00")
    fetched = FetchedPage(site="ina", url="https://www.ina.iq/1--.html", status=200, fetched_at=FETCHED, html=html)
    fetched.article = extract_article(html, fetched.url, reference=FETCHED, tz="Asia/Baghdad")
    assert Recorder(store).record(fetched) == "new"
    row = store.article(fetched.url)
    store.close()
    assert row["published_at"] is None and row["published_refused"] == "9999-12-31T22:00:00+00:00"
    assert row["last_seen"] == FETCHED


def test_the_article_page_shows_the_refused_claim(tmp_path):
    db = tmp_path / "claims.db"
    store = Store(db)
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    html = page("9999-12-31T22:00:00+00:00", modified="2026-12-03T09:00:00+00:00")
    fetched = FetchedPage(site="ina", url="https://www.ina.iq/1--.html", status=200, fetched_at=FETCHED, html=html)
    fetched.article = extract_article(html, fetched.url, reference=FETCHED, tz="Asia/Baghdad")
    Recorder(store).record(fetched)
    store.close()
    found = answers_of(db, ["/-/article/1", "/claims/articles.json?_shape=array"])
    status, html_page = found["/-/article/1"]
    assert status == 200 and 'id="refused-published"' in html_page and "9999-12-31T22:00:00+00:00" in html_page
    assert 'id="refused-modified"' not in html_page  # 09:00 the same morning is no claim to refuse
    (row,) = json.loads(found["/claims/articles.json?_shape=array"][1])
    assert row["published_refused"] == "9999-12-31T22:00:00+00:00" and row["published_at"] is None


def test_reextract_moves_a_date_stored_before_into_its_refused_claim(tmp_path):
    # what an earlier Rasid stored: the page's 9999 as the publication, and a fetch time that is no time
    from crawler.reextract import reextract
    from monitor.config import load_sites

    store = Store(tmp_path / "rasid.db")
    store.ensure_site("ina", "INA", "https://www.ina.iq", "Asia/Baghdad")
    for n, fetched_at in enumerate((FETCHED, "garbage")):
        html = page("9999-12-31T22:00:00+00:00")
        fetched = FetchedPage(site="ina", url=f"https://www.ina.iq/{n}--.html", status=200, fetched_at=fetched_at,
                              html=html)
        fetched.article = extract_article(html, fetched.url, tz="Asia/Baghdad")  # as extracted without a check
        assert fetched.article.published.iso == "9999-12-31T22:00:00+00:00"
        Recorder(store).record(fetched)
    counts = reextract(store, load_sites())
    found = {r["url"]: (r["published_at"], r["published_refused"]) for r in
             store.db.query("SELECT url, published_at, published_refused FROM articles")}
    store.close()
    assert counts["pages"] == 2 and counts["unchanged"] == 2
    assert found == {"https://www.ina.iq/0--.html": (None, "9999-12-31T22:00:00+00:00"),
                     # no fetch time to judge it against: the claim stays as it was
                     "https://www.ina.iq/1--.html": ("9999-12-31T22:00:00+00:00", None)}


def test_a_date_at_the_calendars_end_costs_a_page_nothing():
    # a JSON-LD date and a meta date at year 1 east of UTC: comparing them used to overflow, and the
    # page lost Rasid's rules (bare trafilatura's text, rules_error set)
    html = page("0001-01-01T00:00:00+03:00").replace("</head>", '<script type="application/ld+json">{"@type": '
                                                     '"NewsArticle", "datePublished": "2020-01-01T10:00:00+03:00"}'
                                                     "</script></head>")
    article = extract_article(html, "https://www.ina.iq/1--.html", reference=FETCHED, tz="Asia/Baghdad")
    assert article.rules_error is None and article.text.startswith("أعلنت الوزارة")
    # a feed's or a page's offset there says nothing of a site's zone: `rasid sites add` reads past it
    from crawler.sites.add import _stated
    from monitor.inference import zone_for

    dated = [_stated(v) for v in ("0001-01-01T00:00:00+03:00", "9999-12-31T22:00:00-05:00", "2024-05-13T09:00:00+03:00")]
    assert dated[:2] == [None, None]
    assert zone_for([d for d in dated if d], "example.iq")[0] == "Asia/Baghdad"
