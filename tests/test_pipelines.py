"""The item pipelines alone, in Scrapy's style: get_crawler + build_from_crawler, no crawl."""

from __future__ import annotations

import asyncio

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
