"""The item pipelines alone, in Scrapy's style: get_crawler + build_from_crawler, no crawl."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scrapy import Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.crawl.pipelines import ExtractPipeline, StorePipeline


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
    from extract.model import FetchedPage
    from monitor.config import load_sites
    from spiders.news import NewsSpider

    def broken(*args, **kwargs):
        raise RuntimeError("a rule broke")

    monkeypatch.setattr(extract.article, "remove_furniture", broken)
    site = load_sites()["ina"]
    crawler = get_crawler(NewsSpider, {"RASID_EXTRACT_WORKERS": 0})
    crawler.spider = crawler._create_spider(site=site)
    html = (Path(__file__).parents[1] / "seeds" / "snapshots" / "ina" / "111563--.html").read_text(encoding="utf-8")
    item = FetchedPage(site="ina", url="https://www.ina.iq/111563--.html", status=200,
                    fetched_at="2026-11-20T10:00:00+00:00", html=html)
    asyncio.run(build_from_crawler(ExtractPipeline, crawler).process_item(item))
    assert "ترهيب أهل البصرة" in item.article.title and "البصرة" in item.article.text
    assert crawler.spider.errors == [f"{item.url}: Rasid's extraction rules failed (RuntimeError: a rule broke); "
                                     "bare trafilatura's text was stored"]


def _slow_extract(page, **kwargs):  # a page that would hold a worker for a minute
    import time

    from extract.model import Article

    if "slow" in page.url:
        time.sleep(60)
    return Article(title="t", text="x"), None


def test_a_page_past_the_time_limit_is_stopped_recorded_and_the_pool_replaced(monkeypatch):
    import os

    from scrapy.exceptions import DropItem

    import crawler.crawl.pool as pool
    from extract.model import FetchedPage
    from monitor.config import load_sites
    from spiders.news import NewsSpider

    pool.replace_pool()
    monkeypatch.setattr(pool, "extract_page", _slow_extract)  # the forked workers inherit it
    crawler = get_crawler(NewsSpider, {"RASID_EXTRACT_WORKERS": 1, "RASID_EXTRACT_TIMEOUT": 0.5})
    crawler.spider = crawler._create_spider(site=load_sites()["ina"])
    pipeline = build_from_crawler(ExtractPipeline, crawler)

    def item(url):
        return FetchedPage(site="ina", url=url, status=200, fetched_at="2026-11-20T10:00:00+00:00", html="<p>x</p>")

    async def run():
        stuck = item("https://www.ina.iq/slow")
        try:
            await pipeline.process_item(stuck)
            raise AssertionError("the slow page was not stopped")
        except DropItem:
            pass
        workers = [pool._POOL] if pool._POOL else []
        pipeline.timeout = 600  # (only the stuck page is meant to time out, however slow this machine is)
        fine = await pipeline.process_item(item("https://www.ina.iq/fine"))  # a fresh pool takes the next page
        return workers, fine

    workers, fine = asyncio.run(run())
    assert workers == []  # the stuck pool was thrown away
    assert fine.article.title == "t"
    assert crawler.spider.errors == ["https://www.ina.iq/slow: extraction took longer than 0.5 s: stopped"]
    pool.replace_pool()
    assert os.getpid()  # (the test process itself is untouched)


def test_pages_too_big_to_parse_are_refused_before_parsing():
    from crawler.crawl.pipelines import too_big_to_parse

    assert too_big_to_parse("<p>" + "x" * 10**6 + "</p>") is None
    assert "attributes" in too_big_to_parse("<div " + 'a="1" ' * 250_000 + ">")
    assert "tags" in too_big_to_parse("<b>" * 200_000)


def test_a_pool_forks_its_workers_as_it_is_made(monkeypatch):
    # what the process holds once the pool is made is not its workers': a crawl makes its pool
    # before it imports Scrapy, which forked workers would otherwise each carry (crawler.crawl.pool)
    import crawler.crawl.pool as pool
    from extract.model import FetchedPage
    from monitor.config import load_sites

    site = load_sites()["ina"]
    html = (Path(__file__).parents[1] / "seeds" / "snapshots" / "ina" / "111563--.html").read_text(encoding="utf-8")
    workers = pool.ExtractionPool(1)
    try:
        # what a worker calls beside the extraction, changed in this process only, after the fork
        monkeypatch.setattr(pool, "prepare", lambda html, article: None)
        page = FetchedPage(site="ina", url="https://www.ina.iq/111563--.html", status=200,
                           fetched_at="2026-11-20T10:00:00+00:00", html=html)
        article, prepared = workers.submit(page, site).result(timeout=600)
    finally:
        workers.shutdown()
    assert "ترهيب أهل البصرة" in article.title and prepared is not None


def test_a_crawl_forks_its_extraction_workers_before_it_imports_scrapy(tmp_path):
    import subprocess
    import sys
    import textwrap

    # the crawl's own start of its pool reports what the process holds when it forks, and stops
    # there; an unreachable copy of a site, so that nothing leaves the machine if it never comes
    code = textwrap.dedent(f"""
        import dataclasses, sys
        from pathlib import Path
        import crawler.crawl.run as run
        from monitor.config import Config, load_sites

        def start_pool():
            print("held at the fork:", sorted(m for m in ("scrapy", "twisted") if m in sys.modules))
            sys.exit(0)

        run.start_pool = start_pool
        site = dataclasses.replace(load_sites()["ina"], base_url="http://127.0.0.1:9/")
        run.crawl_here(Config(sites={{"ina": site}}), [site], Path({str(tmp_path / "rasid.db")!r}))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).parents[1])
    assert done.stdout.strip() == "held at the fork: []", done.stderr[-2000:]


def test_a_cluster_worker_forks_its_extraction_workers_before_it_imports_scrapy():
    import subprocess
    import sys
    import textwrap

    # `rasid worker` starts its pool as a crawl does; the stand-in reports what the process holds
    # at the fork and stops there, before any Redis is asked
    code = textwrap.dedent("""
        import sys
        import crawler.crawl.pool as pool
        from crawler.cli import main

        def start_pool():
            print("held at the fork:", sorted(m for m in ("scrapy", "twisted") if m in sys.modules))
            sys.exit(0)

        pool.start_pool = start_pool
        main(["worker", "--redis", "redis://127.0.0.1:9/0", "ina"])
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).parents[1])
    assert done.stdout.strip() == "held at the fork: []", done.stderr[-2000:]
