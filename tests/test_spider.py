"""The news spider's callbacks alone, in Scrapy's style: get_crawler and hand-made responses, no
server and no crawl. Then the store pipeline on hand-made pages: what a crawl writes, page by page."""

from __future__ import annotations

from dataclasses import replace

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.crawl.pipelines import StorePipeline
from db.store import Store
from extract.model import FetchedPage, ListingPage
from monitor.config import SNAPSHOTS, load_sites
from spiders.news import NewsSpider
from tests.factories import fetched

LIVE = "https://www.ina.iq"
MIRROR = "http://127.0.0.1:8765"
ARTICLE = f"{LIVE}/111563--.html"


def spider(**state) -> NewsSpider:
    site = replace(load_sites()["ina"], fetch_base=MIRROR)  # crawled from a mirror, stored as the live site
    return NewsSpider.from_crawler(get_crawler(NewsSpider), site=site, **state)


def answer(request: Request, cls=HtmlResponse, status: int = 200, body: bytes = b"", headers=None) -> Response:
    text = {"encoding": "utf-8"} if cls is not Response else {}
    return cls(url=request.url, status=status, body=body, headers=headers or {}, request=request, **text)


def feed(*links: str) -> bytes:
    items = "".join(f"<item><link>{link}</link><pubDate>Sun, 23 Aug 2020 11:05:00 +0300</pubDate></item>"
                    for link in links)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def test_a_feed_leads_to_its_articles_on_the_mirror_with_their_dates():
    news = spider()
    request = news._request(f"{LIVE}/rss.xml", news.parse_feed)
    assert request.url == f"{MIRROR}/rss.xml"  # fetched from the mirror
    links = [f"{LIVE}/111563--.html?utm_source=rss", f"{LIVE}/news/section", ARTICLE.replace("https://www.", "https://m.")]
    requests = list(news.parse_feed(answer(request, XmlResponse, body=feed(*links))))
    # tracking parameters dropped, the mobile host folded into the live one (so one request for the two
    # links), the section page not an article
    assert [r.meta["public_url"] for r in requests] == [ARTICLE]
    assert all(r.url == f"{MIRROR}/111563--.html" and r.callback == news.parse_article for r in requests)
    assert news.feed_dates[ARTICLE] == "Sun, 23 Aug 2020 11:05:00 +0300"


def test_a_stored_article_is_asked_for_conditionally_and_one_not_due_is_not_asked_again():
    news = spider(known={ARTICLE: {"etag": '"v1"', "last_modified": "Sun, 23 Aug 2020 08:05:00 GMT",
                                   "body_hash": None, "status": "live"}},
                  stored={ARTICLE, f"{LIVE}/111570--.html"})
    due = news.article_request(ARTICLE)
    assert due.headers[b"If-None-Match"] == b'"v1"' and due.headers[b"If-Modified-Since"]
    request = news._request(f"{LIVE}/rss.xml", news.parse_feed)
    found = list(news.parse_feed(answer(request, XmlResponse, body=feed(f"{LIVE}/111570--.html", ARTICLE))))
    # 111570 is stored and not due: skipped; the due article is requested from the start, once
    assert found == []
    assert [r.meta["public_url"] for r in news._start_requests() if r.callback == news.parse_article] == [ARTICLE]


def test_an_article_answer_becomes_a_fetched_page_under_its_public_url():
    news = spider()
    request = news.article_request(ARTICLE)
    html = "<html><head><title>خبر</title></head><body><p>نص الخبر</p></body></html>".encode("windows-1256")
    (page,) = news.parse_article(answer(request, body=html, headers={"ETag": '"v2"',
                                                                     "Content-Type": "text/html; charset=windows-1256"}))
    assert isinstance(page, FetchedPage)
    assert (page.site, page.url, page.status, page.etag) == ("ina", ARTICLE, 200, '"v2"')
    assert "نص الخبر" in page.html and page.body_hash and page.article is None  # extraction is the pipeline's


@pytest.mark.parametrize("status", [304, 404, 410])
def test_not_modified_and_gone_are_answers_about_the_article(status):
    news = spider()
    request = news.article_request(ARTICLE)
    (page,) = news.parse_article(answer(request, Response, status=status))
    assert (page.url, page.status, page.html) == (ARTICLE, status, None)


def test_a_redirect_to_another_article_is_followed_and_one_to_the_home_page_means_removed():
    news = spider()
    request = news.article_request(ARTICLE)
    (moved,) = news.parse_article(answer(request, Response, status=301, headers={"Location": "/111570--.html"}))
    assert isinstance(moved, Request) and moved.meta["public_url"] == f"{LIVE}/111570--.html"
    (gone,) = news.parse_article(answer(request, Response, status=301, headers={"Location": "/"}))
    assert (gone.url, gone.status) == (ARTICLE, 410)


def test_the_same_bytes_again_from_a_server_without_validators_are_not_modified():
    body = b"<html><body><p>x</p></body></html>"
    first = spider()
    (page,) = first.parse_article(answer(first.article_request(ARTICLE), body=body))
    again = spider(known={ARTICLE: {"etag": None, "last_modified": None, "body_hash": page.body_hash,
                                    "status": "live"}})
    (same,) = again.parse_article(answer(again.article_request(ARTICLE), body=body))
    assert (same.status, same.html) == (304, None)


def store_pipeline(tmp_path):
    crawler = get_crawler(NewsSpider, {"RASID_DB": str(tmp_path / "rasid.db")})
    crawler.spider = NewsSpider.from_crawler(crawler, site=load_sites()["ina"])
    pipeline = build_from_crawler(StorePipeline, crawler)
    pipeline.open_spider()
    return crawler, pipeline


def test_the_store_pipeline_records_each_page_and_closes_the_crawl_with_its_counts(tmp_path):
    crawler, pipeline = store_pipeline(tmp_path)
    for page in (fetched(ARTICLE), fetched(ARTICLE, "نص معدل"), fetched(f"{LIVE}/2", status=304),
                 fetched(f"{LIVE}/3", text=None)):
        pipeline.process_item(page)
    crawler.spider.answered = 4  # the spider counts the answers as they come
    pipeline.spider_closed(crawler.spider, "finished")
    store = Store(tmp_path / "rasid.db")
    crawl = store.db["crawls"].get(1)
    assert (crawl["pages"], crawl["new"], crawl["changed"], crawl["status"]) == (4, 1, 1, "partial")
    assert crawl["error_log"] == f'["{LIVE}/3: no article text found"]'
    assert store.article(ARTICLE)["versions"] == 2
    # the first crawl is the baseline: no `new` alert for what was there already, but an edit is an edit
    assert [a["kind"] for a in store.alerts()] == ["changed"]
    store.close()


# --- listing pages: read as the front page they are (extract.frontpage) ------------------------------


def test_a_listing_is_read_into_its_placements_and_its_links_followed():
    news = spider()
    (request,) = [r for r in news._start_requests() if r.callback == news.parse_listing]
    assert not request.headers.get(b"If-None-Match")  # never read: asked for whole
    home = (SNAPSHOTS / "ina" / "index.html").read_bytes()
    out = list(news.parse_listing(answer(request, body=home, headers={"ETag": '"h1"'})))
    pages = [o for o in out if isinstance(o, ListingPage)]
    requests = [o for o in out if isinstance(o, Request)]
    assert len(pages) == 1 and pages[0].status == 200 and pages[0].etag == '"h1"' and pages[0].path == "/"
    lead = [p for p in pages[0].placements if p.kind == "lead"]
    assert [(p.url, p.teaser) for p in lead] == [(f"{LIVE}/111605--.html", "الداخلية: ضبط شبكة لتهريب الآثار في ذي قار "
                                                                          "وإحباط بيع 40 قطعة أثرية")]
    # discovery as before: every article link of the page requested once, from the mirror
    assert {r.meta["public_url"] for r in requests} == {p.url for p in pages[0].placements}
    # the same bytes again: not read again (nothing can have moved)
    again = spider(listings={"/": {"body_hash": pages[0].body_hash, "urls": []}})
    (request,) = [r for r in again._start_requests() if r.callback == again.parse_listing]
    (page,) = [o for o in again.parse_listing(answer(request, body=home)) if isinstance(o, ListingPage)]
    assert page.placements is None and page.status == 200


def test_a_listing_is_asked_for_conditionally_and_a_304_is_the_page_as_it_was():
    stored = [f"{LIVE}/111605--.html", f"{LIVE}/111598--.html"]
    news = spider(listings={"/": {"etag": '"h1"', "last_modified": "Sun, 23 Aug 2020 08:05:00 GMT",
                                  "body_hash": "abc", "urls": stored}}, stored={stored[0]})
    (request,) = [r for r in news._start_requests() if r.callback == news.parse_listing]
    assert request.headers[b"If-None-Match"] == b'"h1"' and request.headers[b"If-Modified-Since"]
    out = list(news.parse_listing(answer(request, status=304)))
    (page,) = [o for o in out if isinstance(o, ListingPage)]
    assert page.status == 304 and page.placements is None
    # the links it showed are followed as if it had been read (one not stored yet is fetched)
    assert [o.meta["public_url"] for o in out if isinstance(o, Request)] == [stored[1]]
    assert not news.errors  # a 304 is no failed discovery page
