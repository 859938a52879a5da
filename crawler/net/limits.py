"""What every request Rasid makes says and is held to, Scrapy's or not: who is asking, how long an
answer may take, how large it may be, how many redirects it may follow. The crawl's Scrapy settings
(crawler.crawl.settings) take them from here, and so does the client outside Scrapy
(crawler.net.fetch): `rasid extract URL`, `rasid sites add` or `check` and a crawl ask alike."""

USER_AGENT = "Rasid/0.1 (news monitoring crawler; +https://pypi.org/project/rasid/)"
DOWNLOAD_TIMEOUT = 30
# A news article is well under 2 MB; anything over 10 MB is not one.
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
