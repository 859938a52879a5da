"""The item pipelines alone, in Scrapy's style: get_crawler + build_from_crawler, no crawl."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.pipelines import ExtractPipeline, StorePipeline


def test_other_spiders_items_pass_through_untouched(tmp_path):
    # `scrapy shell`, `scrapy fetch` or a user's own spider: the project's pipelines leave them alone
    crawler = get_crawler(Spider, {"RASID_DB": str(tmp_path / "rasid.db")})
    crawler.spider = crawler._create_spider("someone-elses")
    store = build_from_crawler(StorePipeline, crawler)
    extract = build_from_crawler(ExtractPipeline, crawler)
    store.open_spider()
    item = {"title": "x"}
    assert asyncio.run(extract.process_item(item)) is item
    assert store.process_item(item) is item
    store.spider_closed(crawler.spider, "finished")
    assert not (tmp_path / "rasid.db").exists()  # nothing was written, not even an empty store


def test_a_page_our_rules_fail_on_is_kept_from_trafilatura_and_the_failure_recorded(monkeypatch):
    import extract.article
    from crawler.config import load_sites
    from spiders.news import NewsSpider, PageItem

    def broken(*args, **kwargs):
        raise RuntimeError("a rule broke")

    monkeypatch.setattr(extract.article, "remove_furniture", broken)
    site = load_sites()["ina"]
    crawler = get_crawler(NewsSpider, {"RASID_EXTRACT_WORKERS": 0})
    crawler.spider = crawler._create_spider(site=site)
    html = (Path(__file__).parents[1] / "seeds" / "snapshots" / "ina" / "111563--.html").read_text(encoding="utf-8")
    item = PageItem(site="ina", url="https://www.ina.iq/111563--.html", status=200,
                    fetched_at="2026-11-20T10:00:00+00:00", html=html)
    asyncio.run(build_from_crawler(ExtractPipeline, crawler).process_item(item))
    assert "ترهيب أهل البصرة" in item.extracted["title"] and "البصرة" in item.extracted["text"]
    assert crawler.spider.errors == [f"{item.url}: Rasid's extraction rules failed (RuntimeError: a rule broke); "
                                     "bare trafilatura's text was stored"]
