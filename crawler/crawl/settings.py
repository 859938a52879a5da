"""Scrapy settings for Rasid. Per-site values (download delay, allowed
domains) come from seeds/sites.toml through the spider; the store path from
the RASID_DB setting the runner sets."""

from urllib.parse import urlsplit

# who asks, how long and how large an answer may be: shared with every fetch outside Scrapy
from crawler.net.limits import (  # noqa: F401 (Scrapy reads every upper-case name of this module)
    DOWNLOAD_MAXSIZE,
    DOWNLOAD_TIMEOUT,
    DOWNLOAD_WARNSIZE,
    REDIRECT_MAX_TIMES,
    USER_AGENT,
)

BOT_NAME = "rasid"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 serves a remote-control HTTP endpoint from every crawl (aiohttp, on a local port); a
# monitoring daemon needs no open port, nor the time importing and starting it adds to each crawl's
# start (BENCHMARKS.md). Older Scrapy ignores the setting.
REMOTE_CONTROL_ENABLED = False

CONCURRENT_REQUESTS = 16
# An article response yields one item. Scrapy starts CONCURRENT_ITEMS asyncio workers for the
# output of every response (100 by default): with one item that is pure overhead, on the reactor's
# one thread (BENCHMARKS.md).
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Scrapy reads the source of every generator callback (inspect + ast) to warn about `return value`
# in it; a callback is a new bound method on every request, so its cache keeps missing and the
# source is parsed again and again (BENCHMARKS.md). No callback of the news spider returns a value.
WARN_ON_GENERATOR_RETURN_VALUE = False
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# The spider's errback says, in one line per URL, what failed after the retries (and records
# it in the crawl row); Scrapy's own "Gave up retrying" line would say it a second time.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
DEPTH_LIMIT = 4

# Resolves names to public addresses only, in the one lookup the connection uses (crawler/crawl/resolver.py).
TWISTED_DNS_RESOLVER = "crawler.crawl.resolver.PublicOnlyResolver"

DOWNLOADER_MIDDLEWARES = {
    "crawler.crawl.middlewares.SafeAddressMiddleware": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.crawl.middlewares.BackoffRetryMiddleware": 550,
}
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubled each time (Retry-After wins)
RETRY_MAX_DELAY = 60.0

ITEM_PIPELINES = {
    "crawler.crawl.pipelines.ExtractPipeline": 300,
    "crawler.crawl.pipelines.StorePipeline": 800,
}

LOG_LEVEL = "WARNING"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
FEED_EXPORT_ENCODING = "utf-8"


def build(config, sites, log_level: str, overrides: dict):
    """The Scrapy settings of a crawl of `sites`, a local crawl's or a cluster worker's: this
    module's, then the config's download timeout, the host names of the sites' own fetch origins
    (a replay server or a mirror on `localhost`: the resolver lets them resolve inside), the log
    level, then `overrides` (the runner's store, the worker's Redis)."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(__name__, priority="project")
    trusted = sorted({urlsplit(site.fetch_origin).hostname or "" for site in sites} - {""})
    settings.setdict({"LOG_LEVEL": log_level, "DOWNLOAD_TIMEOUT": config.download_timeout,
                      "RASID_TRUSTED_HOSTS": trusted, **overrides}, priority="cmdline")
    return settings
