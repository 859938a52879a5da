"""The downloader middlewares alone, in Scrapy's own style: a crawler from get_crawler,
the component from build_from_crawler, hand-made requests and responses. Milliseconds each."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy import Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.crawl.middlewares import BackoffRetryMiddleware, SafeAddressMiddleware


def retry_middleware(**settings) -> BackoffRetryMiddleware:
    crawler = get_crawler(Spider, {"RETRY_TIMES": 2, "RETRY_BACKOFF_BASE": 2.0, "RETRY_MAX_DELAY": 60.0, **settings})
    crawler.spider = crawler._create_spider("test")
    return build_from_crawler(BackoffRetryMiddleware, crawler)


def test_backoff_doubles_from_the_base_and_retry_after_wins_within_the_cap():
    mw = retry_middleware()
    request = Request("https://example.org/a")
    busy = Response(request.url, status=503)
    assert mw.delay(request, busy) == 2.0
    assert mw.delay(request.replace(meta={"retry_times": 1}), busy) == 4.0
    assert mw.delay(request.replace(meta={"retry_times": 5}), busy) == 60.0  # capped
    assert mw.delay(request, Response(request.url, status=503, headers={"Retry-After": "7"})) == 7.0
    assert mw.delay(request, Response(request.url, status=503, headers={"Retry-After": "999"})) == 60.0
    # an HTTP-date Retry-After is not trusted: the backoff applies
    later = Response(request.url, status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert mw.delay(request, later) == 2.0


def test_retries_stop_after_retry_times_and_other_statuses_pass(monkeypatch):
    slept = []

    async def no_sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    mw = retry_middleware(RETRY_BACKOFF_BASE=0.5)
    request = Request("https://example.org/a")
    first = asyncio.run(mw.process_response(request, Response(request.url, status=502)))
    assert isinstance(first, Request) and first.meta["retry_times"] == 1
    second = asyncio.run(mw.process_response(first, Response(request.url, status=502)))
    assert second.meta["retry_times"] == 2
    given_up = asyncio.run(mw.process_response(second, Response(request.url, status=502)))
    assert isinstance(given_up, Response) and given_up.status == 502
    assert slept == [0.5, 1.0]
    ok = Response(request.url, status=404)
    assert asyncio.run(mw.process_response(request, ok)) is ok


class _Site:
    fetch_origin = "http://127.0.0.1:8001"
    base_url = "https://news.example"


class _Spider(Spider):
    name = "t"
    site = _Site()
    errors: list[str] = []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]:8001/x", "http://10.1.2.3/", "file:///etc/passwd",
                                 "http://127.0.0.1:8002/other-port"])
def test_non_public_addresses_and_schemes_are_refused(url):
    crawler = get_crawler(_Spider)
    spider = crawler._create_spider()
    mw = build_from_crawler(SafeAddressMiddleware, crawler)
    with pytest.raises(IgnoreRequest, match="refused"):
        asyncio.run(mw.process_request(Request(url), spider))


def test_the_sites_own_fetch_origin_is_allowed_even_on_loopback():
    crawler = get_crawler(_Spider)
    spider = crawler._create_spider()
    mw = build_from_crawler(SafeAddressMiddleware, crawler)
    assert asyncio.run(mw.process_request(Request("http://127.0.0.1:8001/rss.xml"), spider)) is None
    assert asyncio.run(mw.process_request(Request("http://93.184.216.34/a.html"), spider)) is None


# --- the resolver: one lookup, judged where it is used ------------------------------------------


def resolve(name: str, answer: str, trusted=("localhost",)) -> tuple[str | None, str | None]:
    """Our resolver over a fake lookup that answers `answer`: (address, or None and the error)."""
    from scrapy.resolver import CachingThreadedResolver
    from twisted.internet import defer

    from crawler.crawl.resolver import PublicOnlyResolver

    class Fake(PublicOnlyResolver):
        pass

    resolver = Fake.__new__(Fake)
    resolver.trusted = frozenset(trusted)
    got: list = []
    original = CachingThreadedResolver.getHostByName
    CachingThreadedResolver.getHostByName = lambda self, n, timeout=(): defer.succeed(answer)
    try:
        resolver.getHostByName(name).addCallbacks(lambda a: got.append((a, None)),
                                                  lambda f: got.append((None, f.getErrorMessage())))
    finally:
        CachingThreadedResolver.getHostByName = original
    return got[0]


@pytest.mark.parametrize("answer", ["127.0.0.3", "10.0.0.7", "169.254.169.254", "::1", "::ffff:127.0.0.1",
                                    "192.168.1.1", "0.0.0.0"])
def test_a_name_resolving_inside_is_refused_on_the_address_used(answer):
    # a rebinding name answers a public address to one lookup and this to the next: whatever it
    # answers to the lookup the connection uses is what is judged
    address, error = resolve("rebind.example", answer)
    assert address is None and f"rebind.example resolves to a non-public address ({answer})" in error


def test_public_answers_literals_and_the_sites_own_mirror_pass():
    assert resolve("news.example", "93.184.216.34") == ("93.184.216.34", None)
    assert resolve("127.0.0.1", "127.0.0.1") == ("127.0.0.1", None)  # literals: the middleware judges them
    assert resolve("localhost", "127.0.0.1") == ("127.0.0.1", None)  # RASID_TRUSTED_HOSTS
    assert resolve("localhost", "127.0.0.1", trusted=())[0] is None


def test_the_crawl_uses_this_resolver():
    from crawler.crawl import settings

    assert settings.TWISTED_DNS_RESOLVER == "crawler.crawl.resolver.PublicOnlyResolver"


def test_a_cluster_worker_trusts_its_sites_own_mirror_as_a_local_crawl_does():
    # a site fetched from `localhost` (a mirror, a replay server): the local crawl's resolver let the
    # name resolve inside; a worker's never did (its settings did not name the host), so every
    # request of the site was refused
    from crawler.cluster.worker import settings as worker_settings
    from crawler.crawl.resolver import PublicOnlyResolver
    from monitor.config import load_config

    config = load_config().with_base_urls({"ina": "http://localhost:8101"})
    settings = worker_settings(config, config.select(["ina"]), "redis://127.0.0.1:6379/0", "host:1")
    resolver = PublicOnlyResolver.from_crawler(SimpleNamespace(settings=settings), reactor=None)
    assert resolver.trusted == {"localhost"}
