"""What travels through a cluster's Redis, alone (no Redis): the page format of the rasid:pages
stream, the requests of the frontier, and the Redis URL as it is printed."""

from __future__ import annotations

import json
import pickle
import zlib
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.cluster import shared
from crawler.cluster.worker import decode_request, encode_request
from db.store import prepare
from extract.dates import ASSUMED_UTC, ParsedDate
from extract.model import Article, FetchedPage
from monitor.config import load_sites
from spiders.news import NewsSpider

BAGHDAD = ZoneInfo("Asia/Baghdad")


def news_spider() -> NewsSpider:
    return NewsSpider.from_crawler(get_crawler(NewsSpider), site=load_sites()["ina"])


def every_field_page() -> FetchedPage:
    """A page whose every field, and every field of its Article, holds a value other than its default."""
    article = Article(
        title="عنوان الخبر", text="الفقرة الأولى.\n\nالفقرة الثانية، وفيها \u200f علامة اتجاه.",
        published=ParsedDate(datetime(2026, 11, 20, 10, 15, tzinfo=BAGHDAD), "minute", relative=True),
        modified=ParsedDate(datetime(2026, 11, 21, 7, 0, tzinfo=ASSUMED_UTC), "hour", "hijri"),
        author="مراسل راصد", section="سياسة", tags=["العراق", "انتخابات"], image="https://a.example/i.jpg",
        lang="ar", published_refused="9999-12-31T22:00:00+00:00", modified_refused="9999-12-31T23:00:00+00:00",
        published_estimated=True, canonical_url="https://a.example/news/1", site_name="موقع", rules_error="ValueError: x",
        is_article=True, evidence="json-ld NewsArticle", published_from="meta article:published_time")
    return FetchedPage(site="ina", url="https://a.example/news/1", status=200, fetched_at="2026-11-21T08:00:00.123+00:00",
                       html="<html><p>نص</p></html>", etag='W/"abc"', last_modified="Sat, 21 Nov 2026 07:00:00 GMT",
                       content_type="text/html; charset=windows-1256", feed_published="2026-11-20T07:15:00+00:00",
                       body_hash="0" * 32, article=article)


def test_a_page_travels_the_stream_whole_every_field_and_date_as_it_was():
    page = every_field_page()
    # what the worker made for a store of its own is not sent: the writer makes it from the fields
    page.prepared = prepare(page.html, page.article)
    for f in fields(FetchedPage):  # the test covers every field there is: a new one must be set above
        assert getattr(page, f.name) != (f.default if f.default_factory is f.default_factory else f.default_factory())
    for f in fields(Article):
        assert getattr(page.article, f.name) not in (None, [], False), f.name
    back = shared.unpack(shared.pack(page))
    assert back == page and back.prepared is None
    for name in ("published", "modified"):  # the same instant, and the same zone rule, not only the offset
        sent, got = getattr(page.article, name), getattr(back.article, name)
        assert got.value.tzinfo is sent.value.tzinfo or got.value.tzinfo == sent.value.tzinfo
        assert got.value.utcoffset() == sent.value.utcoffset() and got.timezone_assumed == sent.timezone_assumed
        assert got.relative == sent.relative


@pytest.mark.parametrize("when", [
    ParsedDate(date(2026, 11, 20), "day"), ParsedDate(date(2026, 11, 1), "month"), ParsedDate(date(2026, 1, 1), "year"),
    ParsedDate(datetime(2026, 11, 20, 10, 15, 30, tzinfo=timezone(timedelta(hours=2))), "second"),
    ParsedDate(datetime(2026, 11, 20, 10, 15, tzinfo=UTC), "minute"),
])
def test_dates_of_every_precision_and_zone_come_back_alike(when):
    page = every_field_page()
    page.article.published = when
    back = shared.unpack(shared.pack(page)).article.published
    assert back == when and back.iso == when.iso and type(back.value) is type(when.value)
    if isinstance(when.value, datetime):
        assert back.value.utcoffset() == when.value.utcoffset()


def test_a_page_without_article_or_html_comes_back_alike():
    page = FetchedPage(site="ina", url="https://a.example/news/2", status=304, fetched_at="2026-11-21T08:00:00+00:00")
    assert shared.unpack(shared.pack(page)) == page


def test_a_pickle_on_the_stream_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    with pytest.raises(shared.UnreadablePage):
        shared.unpack(zlib.compress(pickle.dumps(Exploit())))
    assert not marker.exists()


@pytest.mark.parametrize("blob, why", [
    (b"garbage", "error"),
    (zlib.compress(b"[1, 2]"), "page format 'list'"),
    (zlib.compress(json.dumps({"format": 99, "page": {}}).encode()), "page format 99"),
    (zlib.compress(json.dumps({"format": 1, "page": {"url": "x", "article": None}}).encode()), "fields differ"),
    (zlib.compress(b"0" * (shared.MAX_PAGE_BYTES + 10)), "inflates past"),
])
def test_what_is_no_page_of_this_rasid_is_refused_with_the_reason(blob, why):
    with pytest.raises(shared.UnreadablePage, match=why):
        shared.unpack(blob)


def test_a_field_of_the_wrong_kind_is_refused_before_the_writer_stores_it():
    document = json.loads(zlib.decompress(shared.pack(every_field_page())))
    document["page"]["status"] = "200"
    with pytest.raises(shared.UnreadablePage, match="FetchedPage.status: str"):
        shared.unpack(zlib.compress(json.dumps(document).encode()))
    document["page"]["status"] = True
    with pytest.raises(shared.UnreadablePage, match="FetchedPage.status: bool"):
        shared.unpack(zlib.compress(json.dumps(document).encode()))


def test_the_frontier_carries_requests_as_json_whole():
    spider = news_spider()
    request = spider.article_request("https://www.ina.iq/1.html", known={"etag": 'W/"1"', "body_hash": "ab"})
    request.meta["redirect_urls"] = ["https://www.ina.iq/0.html"]
    posted = Request("https://www.ina.iq/s", method="POST", body=b"\x00\xffq=\xd8\xb9", callback=spider.parse_listing,
                     errback=spider.on_error, priority=7, dont_filter=True)
    for sent in (request, posted):
        data = encode_request(sent, spider)
        assert b"pickle" not in data and json.loads(data)["unit"]
        got = decode_request(data, spider)
        assert (got.url, got.method, got.body, got.priority, got.dont_filter, got.meta) == \
               (sent.url, sent.method, sent.body, sent.priority, sent.dont_filter, sent.meta)
        assert got.headers == sent.headers and got.callback == sent.callback and got.errback == sent.errback
    assert encode_request(request, spider) != encode_request(request, spider)  # two equal requests, two leases


def test_a_frontier_entry_cannot_name_a_class_to_load():
    data = json.dumps({"unit": "1", "request": {"url": "https://www.ina.iq/", "_class": "os.system"}}).encode()
    assert type(decode_request(data, news_spider())) is Request


def test_the_redis_password_is_masked_wherever_the_url_is_printed():
    url = "redis://:s3cret-Pa55@10.0.0.2:6379/0"
    assert shared.shown(url) == "redis://:***@10.0.0.2:6379/0"
    assert shared.shown("redis://10.0.0.2:6379/0") == "redis://10.0.0.2:6379/0"
    assert shared.shown("rediss://rasid:pw%2Fx@r.example:6380/1") == "rediss://rasid:***@r.example:6380/1"
    line = shared.redact(f"Error connecting to {url}: AUTH s3cret-Pa55 failed (pw s3cret-Pa55)", url)
    assert "s3cret-Pa55" not in line and "redis://:***@10.0.0.2:6379/0" in line
    assert shared.redact("pw%2Fx and pw/x", "rediss://rasid:pw%2Fx@r.example:6380/1") == "*** and ***"
    assert "hunter22" not in shared.redact("redis://r.example/0?password=hunter22", "redis://r.example/0?password=hunter22")


def test_a_front_page_reading_travels_the_stream_whole_and_garbage_in_it_is_refused():
    from extract.model import ListingPage, Placement

    reading = ListingPage("ina", "/", "https://www.ina.iq/", 200, "2026-11-20T10:00:00.000+00:00", etag='"e1"',
                          last_modified=None, body_hash="abc",
                          placements=(Placement("https://www.ina.iq/1--.html", "عنوان الواجهة «١»", 1, "lead", "lead", 1),
                                      Placement("https://www.ina.iq/2--.html", "خبر ثان", 2, "آخر الأخبار", "list", 1)))
    assert shared.unpack(shared.pack(reading)) == reading
    unread = ListingPage("ina", "/", "https://www.ina.iq/", 304, "2026-11-20T10:05:00.000+00:00")
    assert shared.unpack(shared.pack(unread)) == unread
    document = json.loads(zlib.decompress(shared.pack(reading)))
    document["listing"]["placements"][0][4] = "sidebar"  # no kind of block this Rasid knows
    with pytest.raises(shared.UnreadablePage, match="placements"):
        shared.unpack(zlib.compress(json.dumps(document).encode()))
    document["listing"].pop("etag")
    with pytest.raises(shared.UnreadablePage, match="fields differ"):
        shared.unpack(zlib.compress(json.dumps(document).encode()))
