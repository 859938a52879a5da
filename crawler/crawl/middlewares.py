"""Downloader middlewares: what Scrapy's own do not cover for a crawler of the open web.

SafeAddressMiddleware: only http(s); and no request to a private, loopback, link-local or
  otherwise non-public address, wherever the URL came from (a feed, a sitemap, a redirect),
  unless it is the origin the site itself is fetched from (its base URL, or the replay
  server or mirror given as its fetch base). A hostile feed cannot make Rasid probe the
  machine it runs on or the cloud metadata service. Address literals are judged here; host
  names by the crawl's resolver (crawler.crawl.resolver), on the address the connection uses, so a
  public-looking name pointing inside is refused, also when it answers differently each time.
  Scrapy's OffsiteMiddleware compares host names only, ignoring ports and addresses.
  Spiders without a site (Scrapy's own fetch and shell commands) are left alone.

BackoffRetryMiddleware: Scrapy's RetryMiddleware retries at once; a struggling server
  (500/502/503/504, 429) is asked again after Retry-After when it says so (capped), else
  after an exponential backoff, before the failure is recorded.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.response import response_status_message

from crawler.net.addresses import origin_of, refusal, scheme_refusal
from crawler.net.backoff import backoff

log = logging.getLogger("rasid.middlewares")


class SafeAddressMiddleware:
    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        spider = spider or (self.crawler.spider if self.crawler else None)
        site = getattr(spider, "site", None)
        if site is None:  # not a news crawl: `scrapy fetch URL` and `scrapy shell URL` fetch what they are told
            why = scheme_refusal(request.url)
        elif origin_of(request.url) in {origin_of(site.fetch_origin), origin_of(site.base_url)}:
            why = None  # the site's own origin: a replay server or mirror may well be on loopback
        else:
            # an address literal is judged here; a host name by the crawl's resolver
            # (crawler.crawl.resolver), on the very address the connection will use
            why = refusal(request.url, resolve=False)
        if why:
            self._refuse(request, spider, why)
        return None

    @staticmethod
    def _refuse(request, spider, why: str):
        where = request.meta.get("public_url", request.url)
        message = f"{where}: refused: {why}"
        if spider is not None and hasattr(spider, "errors"):
            spider.errors.append(message)
        log.warning(message)
        raise IgnoreRequest(message)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (exceptions are retried as it does), with a pause before
    each retry of an HTTP error. The retry itself comes from Scrapy's public
    get_retry_request, so its limits, stats and give-up logging are Scrapy's own."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_MAX_DELAY", 60.0)

    def delay(self, request, response) -> float:
        """Seconds to wait before retrying `request`: Retry-After when the server gives it
        (capped), else base × 2^(retries so far)."""
        tries = request.meta.get("retry_times", 0)
        after = (response.headers.get(b"Retry-After") or b"").decode("latin-1").strip()
        if after.isdigit():
            return min(self.cap, float(after))
        return backoff(tries, self.base, self.cap)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust))
        if retry is None:
            return response  # out of retries: the callback or errback records the failure
        wait = self.delay(request, response)
        log.info("HTTP %s from %s: retry %d in %.1f s", response.status, request.url,
                 retry.meta["retry_times"], wait)
        await asyncio.sleep(wait)
        return retry
